"""Benchmark: a draw of --draw units and their teams from a pool of --units enterprises,
against reading that pool from PostgreSQL (the target of the issue: targets and teams
drawn in at most 10 s and at most 2.5x the pool read of the same run), and the
verification of the draw's record (target: no slower than the draw).

    .venv/bin/python bench/draw.py [--units 1000000] [--inspectors 5000]
        [--conflicts 50000] [--draw 5000] [--team-size 2]
        [--pg-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]
        [--layout natural|one] [--department 冶金工贸监管科] [--cap N]
        [--alt-draw /path/to/draw.py] [--profile]

What it does:
1. creates a fresh database (dropped at the end unless --keep-db) and migrates it with
   shuangsui.db.upgrade;
2. SET-UP, in a subprocess (so its memory is not the draw's): --units enterprise rows from
   bench/large_sample.py's write_large_enterprises, mapped to the canonical columns and COPYed
   straight into `enterprise` and `enterprise_history` (valid_from a fixed past moment,
   valid_to NULL, listed); --inspectors inspectors into `inspector` + history (spread
   evenly over the four 科室, industries = their 科室's, ~5% 执法证 expired, ~3% not on
   duty); --conflicts (inspector_id, uscc) pairs decided 回避 into `conflict` + history.
   --layout natural (the default) keeps each industry's own 科室 and draws from
   --department, the biggest (冶金工贸监管科: 冶金, 工贸, 建材, 机械, 轻工, ~70% of the units;
   every unit there is in the industries of that 科室's ~1,250 inspectors only). --layout
   one puts every enterprise in --department, so its pool is the whole active directory
   (~96.7% of --units; the rest are 停产/注销/吊销); with the inspectors spread over four
   科室, the default cap (draw.default_cap) then runs the units of the 科室's own
   industries out of inspectors (TeamImpossible): give --cap (e.g. 6) with it;
3. BASELINE: the pool read, `draw_pool.pool_units(conn, spec, moment)` (directory_as_of on
   enterprise_history with the SQL filters, then the Unit objects), and the bare
   `pd.read_sql` of the same SELECT; median of --read-repeat after one warm-up;
4. DRAW: `draw.select_targets` + `draw.assign_teams` (team size --team-size, default cap)
   on that pool and the roster of `draw_pool.roster_as_of`; then the full `lifecycle.commit` and
   `lifecycle.perform` (pool read, snapshots, hashes, inserts, record.json);
5. VERIFY: `verify.verify_record(record.json)` in a subprocess (its own peak memory);
6. with --alt-draw FILE: the same select_targets + assign_teams from another copy of
   shuangsui/draw.py (e.g. an optimized one), timed on the same inputs and checked to give
   IDENTICAL targets (uscc, stratum, rank, position) and teams (members in order, ranks);
7. prints the figures and writes them to bench/out/draw.json (--json to change).

Peak memory: getrusage ru_maxrss of this process (pool read, draw, commit + perform), and
VmHWM of the set-up and verify subprocesses, each their own (a child's ru_maxrss would
start at this process's). Draw records go to a
temporary SHUANGSUI_DATA_DIR, removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import io
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
MARK = "BENCH_RESULT "
TARGET_SECONDS = 10.0
TARGET_RATIO = 2.5

VALID_FROM = dt.datetime(2026, 1, 1, 0, 0, 0)  # when the directory was loaded
NOW = dt.datetime(2026, 11, 26, 9, 0, 0)  # when the draw is made
INSPECTION = dt.date(2026, 12, 10)  # the inspection date of the draw
YEAR = 2026
DRAW_ID = "bench-draw"  # for the in-process select_targets
SECRET = "0123456789abcdef" * 4  # fixed: the same draw in every run
PUBLIC_VALUE = "bench"

os.environ.setdefault("SHUANGSUI_SQL_DIR", str(ROOT / "sql"))


def rss_mb() -> float:
    """This process's peak resident memory so far (getrusage ru_maxrss), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_peak_mb() -> float:
    """The peak resident memory of this process's own address space (VmHWM), MB. In a
    child, ru_maxrss (also wait4's) starts at the parent's RSS: Linux carries the
    high-water mark over fork and exec, so a child of a 1.3 GB parent reports >= 1.3 GB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return rss_mb()


def run_child(argv: list[str]) -> tuple[float, str, str]:
    """Run a process; wall seconds, stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err)
        code = p.wait()
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code:
        raise RuntimeError(f"{argv[:4]}... exited {code}:\n{stderr[-4000:]}")
    return wall, stdout, stderr


def child(mode: str, spec: dict) -> dict:
    """A worker of this script in a subprocess; its result, wall time and own peak RSS."""
    wall, stdout, _ = run_child(
        [sys.executable, str(Path(__file__).resolve()), f"--{mode}", json.dumps(spec)]
    )
    line = next(l for l in reversed(stdout.splitlines()) if l.startswith(MARK))
    result = json.loads(line[len(MARK) :])
    result["wall_seconds"] = round(wall, 3)
    return result


# ---------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------


def pg_connect(url):
    import psycopg2

    return psycopg2.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
    )


def create_database(admin_url: str) -> str:
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"bench_draw_{os.getpid()}"
    conn = pg_connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    conn.close()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    conn = pg_connect(make_url(admin_url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


# ---------------------------------------------------------------------------------------
# Set-up (a subprocess): the directories, COPYed straight in
# ---------------------------------------------------------------------------------------


def _copy(cur, table: str, columns: list[str], text: str) -> None:
    cur.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        io.StringIO(text),
    )


def setup_worker(spec: dict) -> None:
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd
    from sqlalchemy.engine import make_url

    from large_sample import write_large_enterprises
    from shuangsui.core.reference import ACTIVE_STATUS, DEPARTMENTS, ENTERPRISE_COLUMNS

    timers = {}
    rng = random.Random(spec["seed"])
    tmp = Path(spec["tmp"])

    # --- enterprises --------------------------------------------------------------------
    t = time.perf_counter()
    path = write_large_enterprises(tmp / "enterprises.csv", spec["units"], spec["seed"])
    timers["generate_enterprises"] = time.perf_counter() - t
    t = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    path.unlink()
    df.columns = list(ENTERPRISE_COLUMNS)  # Chinese headers -> canonical names
    df["key_enterprise"] = np.where(df["key_enterprise"] == "是", "t", "f")
    if spec["layout"] == "one":
        df["department"] = spec["department"]
    attrs = [
        "uscc",
        "name",
        "industry",
        "department",
        "key_enterprise",
        "risk_class",
        "status",
        "address",
        "legal_rep",
    ]
    df = df[attrs]
    df["listed"] = "t"
    df["stamp"] = VALID_FROM.isoformat(sep=" ")
    text = df.to_csv(index=False, header=False, lineterminator="\n")
    pool_expected = int(
        ((df["department"] == spec["department"]) & (df["status"] == ACTIVE_STATUS)).sum()
    )
    active_usccs = df.loc[df["status"] == ACTIVE_STATUS, "uscc"].tolist()
    by_status = df["status"].value_counts().to_dict()
    by_department = df["department"].value_counts().to_dict()
    del df
    timers["prepare_enterprises"] = time.perf_counter() - t

    conn = pg_connect(make_url(spec["url"]))
    with conn, conn.cursor() as cur:
        t = time.perf_counter()
        _copy(cur, "enterprise", attrs + ["listed", "updated_at"], text)
        _copy(cur, "enterprise_history", attrs + ["listed", "valid_from"], text)
        timers["copy_enterprises"] = time.perf_counter() - t
    del text

    # --- inspectors ---------------------------------------------------------------------
    t = time.perf_counter()
    depts = list(DEPARTMENTS)
    n = spec["inspectors"]
    width = max(3, len(str(n)))
    buf = io.StringIO()
    ids = []
    for i in range(n):
        iid = f"ZF{i + 1:0{width}d}"
        ids.append(iid)
        dept = depts[i % len(depts)]
        if rng.random() < 0.05:  # 执法证 expired before the inspection date
            expiry = INSPECTION - dt.timedelta(days=rng.randint(1, 540))
        else:
            expiry = INSPECTION + dt.timedelta(days=rng.randint(30, 5 * 365))
        active = "f" if rng.random() < 0.03 else "t"
        buf.write(
            f"{iid},检查员{i + 1},鲁370317{i + 1:07d},{expiry.isoformat()},{dept},"
            f"{'、'.join(DEPARTMENTS[dept])},{active},\\N,\\N,t,"
            f"{VALID_FROM.isoformat(sep=' ')}\n"
        )
    ins_cols = [
        "inspector_id",
        "name",
        "cert_no",
        "cert_expiry",
        "department",
        "industries",
        "active",
        "email",
        "phone",
        "listed",
    ]

    # --- conflicts (回避关系): random pairs among active enterprises ---------------------
    pairs: set[tuple[str, str]] = set()
    want = min(spec["conflicts"], n * len(active_usccs))
    while len(pairs) < want:
        pairs.add((rng.choice(ids), rng.choice(active_usccs)))
    cbuf = io.StringIO()
    for iid, uscc in sorted(pairs):
        cbuf.write(
            f"{iid},{uscc},曾在该单位任职（三年内）,申报,回避,t,{VALID_FROM.isoformat(sep=' ')}\n"
        )
    con_cols = ["inspector_id", "uscc", "reason", "source", "decision", "listed"]
    timers["prepare_inspectors_conflicts"] = time.perf_counter() - t

    with conn, conn.cursor() as cur:
        t = time.perf_counter()
        for table, cols, b in (
            ("inspector", ins_cols + ["updated_at"], buf),
            ("inspector_history", ins_cols + ["valid_from"], buf),
            ("conflict", con_cols + ["updated_at"], cbuf),
            ("conflict_history", con_cols + ["valid_from"], cbuf),
        ):
            _copy(cur, table, cols, b.getvalue())
        timers["copy_inspectors_conflicts"] = time.perf_counter() - t
    conn.autocommit = True
    with conn.cursor() as cur:
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        timers["vacuum_analyze"] = time.perf_counter() - t
    conn.close()
    result = {
        "seconds": {k: round(v, 3) for k, v in timers.items()},
        "total_seconds": round(time.perf_counter() - t0, 3),
        "enterprises": spec["units"],
        "enterprises_by_status": by_status,
        "enterprises_by_department": by_department,
        "pool_expected": pool_expected,
        "inspectors": n,
        "conflicts": len(pairs),
        "peak_rss_mb": round(own_peak_mb(), 1),
    }
    print(MARK + json.dumps(result, ensure_ascii=False), flush=True)


# ---------------------------------------------------------------------------------------
# Verify (a subprocess): what anyone holding the published files would run
# ---------------------------------------------------------------------------------------


def verify_worker(spec: dict) -> None:
    t0 = time.perf_counter()
    from shuangsui.draw import verify

    import_s = time.perf_counter() - t0
    t = time.perf_counter()
    v = verify.verify_record(spec["record"])
    seconds = time.perf_counter() - t
    result = {
        "seconds": round(seconds, 3),
        "import_seconds": round(import_s, 3),
        "ok": v.ok,
        "lines": v.lines(),
        "code": verify.__file__,
        "peak_rss_mb": round(own_peak_mb(), 1),
    }
    if spec.get("profile"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        verify.verify_record(spec["record"])
        prof.disable()
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        Path(spec["profile"]).write_text(s.getvalue(), encoding="utf-8")
    print(MARK + json.dumps(result, ensure_ascii=False), flush=True)


# ---------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------


def beside(args, suffix: str) -> Path:
    """A file next to the JSON of the run: bench/out/draw.json -> bench/out/draw_<suffix>."""
    path = Path(args.json)
    return path.with_name(f"{path.stem}_{suffix}")


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return time.perf_counter() - t, out


def median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        out = None  # not two results alive at once
        gc.collect()
        s, out = timed(fn)
        times.append(s)
    return statistics.median(times), times, out


def load_alt(path: str):
    spec = importlib.util.spec_from_file_location("shuangsui_draw_alt", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def draw_once(mod, units, roster, conflicts, seed, n, team_size, key_share, cap=None):
    """What perform computes: targets, the units by USCC, the teams. Wall seconds, and the
    CPU seconds of this process ("cpu": less sensitive to other work on the machine)."""
    t, c = time.perf_counter(), time.process_time()
    targets = mod.select_targets(units, seed, DRAW_ID, n, key_share, False)
    t_sel = time.perf_counter() - t
    t = time.perf_counter()
    by_uscc = {u.uscc: u for u in units}
    t_map = time.perf_counter() - t
    t = time.perf_counter()
    teams = mod.assign_teams(
        targets,
        by_uscc,
        roster,
        conflicts,
        seed,
        team_size=team_size,
        on=INSPECTION,
        cap=cap,
        previous={},
    )
    t_teams = time.perf_counter() - t
    return (
        {
            "select_targets": t_sel,
            "units_by_uscc": t_map,
            "assign_teams": t_teams,
            "total": t_sel + t_map + t_teams,
            "cpu": time.process_time() - c,
        },
        targets,
        teams,
    )


def outcome(targets, teams):
    return (
        [(t.uscc, t.stratum, t.rank, t.position) for t in targets],
        [(t.uscc, list(t.members), dict(t.ranks)) for t in teams],
    )


def machine(url: str) -> dict:
    import pandas as pd
    import sqlalchemy
    from sqlalchemy import create_engine, text

    with open("/proc/meminfo") as f:
        mem_kib = next(int(l.split()[1]) for l in f if l.startswith("MemTotal"))
    with open("/proc/cpuinfo") as f:
        cpu = next(
            (l.split(":", 1)[1].strip() for l in f if l.startswith("model name")),
            platform.processor(),
        )
    eng = create_engine(url)
    with eng.connect() as c:
        pg = c.execute(text("SHOW server_version")).scalar()
    eng.dispose()
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": pg,
        "platform": platform.platform(),
    }


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench_draw_"))
    os.environ["SHUANGSUI_DATA_DIR"] = str(tmp / "data")
    url = create_database(args.pg_url)
    report: dict = {
        "command": " ".join([Path(sys.executable).name] + sys.argv),
        "params": {k: v for k, v in vars(args).items() if k not in ("setup", "verify_worker")},
        "targets": {
            "draw_seconds": TARGET_SECONDS,
            "draw_over_pool_read": TARGET_RATIO,
            "verify_over_draw": 1.0,
        },
    }
    try:
        return _run(args, url, tmp, report)
    finally:
        if not args.keep_db:
            drop_database(args.pg_url, url)
        else:
            print(f"kept database {url}")
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, url: str, tmp: Path, report: dict) -> dict:
    import pandas as pd
    from sqlalchemy import or_, select

    from shuangsui import db
    from shuangsui.core.reference import ACTIVE_STATUS, KEYS
    from shuangsui.draw import algorithm as draw
    from shuangsui.draw import lifecycle
    from shuangsui.draw import pool as draw_pool
    from shuangsui.draw.spec import Spec

    report["machine"] = machine(url)
    report["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]
    report["code"] = draw.__file__
    t = time.perf_counter()
    db.upgrade(url)
    report["migrate_seconds"] = round(time.perf_counter() - t, 3)

    print(
        f"set-up: {args.units} enterprises, {args.inspectors} inspectors, "
        f"{args.conflicts} conflicts into {url.rsplit('/', 1)[-1]} ...",
        flush=True,
    )
    report["setup"] = child(
        "setup",
        {
            "url": url,
            "tmp": str(tmp),
            "units": args.units,
            "inspectors": args.inspectors,
            "conflicts": args.conflicts,
            "seed": args.seed,
            "layout": args.layout,
            "department": args.department,
        },
    )
    print(f"  done in {report['setup']['wall_seconds']:.1f} s", flush=True)

    engine = db.engine(url)
    spec = Spec(
        department=args.department,
        kind="专项治理",
        year=YEAR,
        units=args.draw,
        team_size=args.team_size,
        max_per_inspector=args.cap,
        inspection_date=INSPECTION.isoformat(),
        public_value=PUBLIC_VALUE,
    ).check()

    # --- BASELINE: reading the pool ------------------------------------------------------
    hist = db.enterprise_history
    cols = [hist.c[c] for c in (*KEYS["enterprises"], *db.ATTRS["enterprises"])]
    query = (
        select(*cols)
        .where(
            hist.c.valid_from <= NOW,
            or_(hist.c.valid_to.is_(None), hist.c.valid_to > NOW),
            hist.c.listed,
            hist.c.status == ACTIVE_STATUS,
            hist.c.department == args.department,
        )
        .order_by(hist.c.uscc)
    )
    with engine.connect() as conn:
        pd.read_sql(query, conn)  # warm-up (cache)
        bare_s, bare_all, frame = median_time(lambda: pd.read_sql(query, conn), args.read_repeat)
        bare_rows = len(frame)
        del frame
        gc.collect()
        pool_s, pool_all, units = median_time(
            lambda: draw_pool.pool_units(conn, spec, NOW), args.read_repeat
        )
        roster_s, (roster, conflicts) = timed(draw_pool.roster_as_of, conn, NOW)
        explain = "\n".join(
            r[0]
            for r in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) "
                + str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            )
        )
    key_units = sum(u.stratum == draw.KEY for u in units)
    report["pool"] = {
        "department": args.department,
        "layout": args.layout,
        "size": len(units),
        "key": key_units,
        "bare_rows": bare_rows,
    }
    report["roster"] = {
        "inspectors": len(roster),
        "on_duty_valid": sum(1 for i in roster if i.active and i.cert_expiry >= INSPECTION),
        "conflicts": len(conflicts),
    }
    report["read"] = {
        "pool_units_seconds": round(pool_s, 3),
        "pool_units_all": [round(x, 3) for x in pool_all],
        "bare_read_sql_seconds": round(bare_s, 3),
        "bare_read_sql_all": [round(x, 3) for x in bare_all],
        "roster_as_of_seconds": round(roster_s, 3),
        "peak_rss_mb_after": round(rss_mb(), 1),
    }
    beside(args, "pool_explain.txt").write_text(explain + "\n", encoding="utf-8")
    print(
        f"pool: {len(units)} units ({key_units} key) of {args.department}; "
        f"pool_units {pool_s:.2f} s, bare read_sql {bare_s:.2f} s, "
        f"roster {len(roster)} + {len(conflicts)} conflicts in {roster_s:.2f} s",
        flush=True,
    )

    # --- DRAW: targets and teams ---------------------------------------------------------
    seed = draw.seed(SECRET, PUBLIC_VALUE)
    draw_all = []
    for _ in range(args.draw_repeat):
        secs, targets, teams = draw_once(
            draw,
            units,
            roster,
            conflicts,
            seed,
            args.draw,
            args.team_size,
            spec.key_share,
            args.cap,
        )
        draw_all.append(secs)
    secs = min(draw_all, key=lambda s: s["total"])
    by_uscc = {u.uscc: u for u in units}
    cap = draw.team_cap(
        args.cap, [by_uscc[t.uscc] for t in targets], args.team_size, roster, INSPECTION
    )
    del by_uscc
    loads: dict[str, int] = {}
    for tm in teams:
        for m in tm.members:
            loads[m] = loads.get(m, 0) + 1
    report["draw"] = {
        "seconds": {k: round(v, 3) for k, v in secs.items()},
        "all_totals": [round(s["total"], 3) for s in draw_all],
        "targets": len(targets),
        "key_targets": sum(t.stratum == draw.KEY for t in targets),
        "teams": len(teams),
        "cap": cap,
        "inspectors_used": len(loads),
        "at_cap": sum(1 for v in loads.values() if v >= cap),
        "ratio_to_pool_units": round(secs["total"] / pool_s, 3),
        "ratio_to_bare_read": round(secs["total"] / bare_s, 3),
        "peak_rss_mb_after": round(rss_mb(), 1),
    }
    print(
        f"draw: select_targets {secs['select_targets']:.2f} s + units map "
        f"{secs['units_by_uscc']:.2f} s + assign_teams {secs['assign_teams']:.2f} s = "
        f"{secs['total']:.2f} s  ({secs['total'] / pool_s:.2f}x the pool read; "
        f"cap {cap})",
        flush=True,
    )

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        draw_once(
            draw,
            units,
            roster,
            conflicts,
            seed,
            args.draw,
            args.team_size,
            spec.key_share,
            args.cap,
        )
        prof.disable()
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(20)
        beside(args, "profile.txt").write_text(s.getvalue(), encoding="utf-8")
        report["profile"] = str(beside(args, "profile.txt"))

    if args.alt_draw:
        alt = load_alt(args.alt_draw)
        alt_all = []
        for _ in range(args.draw_repeat):
            asecs, atargets, ateams = draw_once(
                alt,
                units,
                roster,
                conflicts,
                seed,
                args.draw,
                args.team_size,
                spec.key_share,
                args.cap,
            )
            alt_all.append(asecs)
        asecs = min(alt_all, key=lambda s: s["total"])
        same = outcome(targets, teams) == outcome(atargets, ateams)
        report["alt_draw"] = {
            "file": args.alt_draw,
            "seconds": {k: round(v, 3) for k, v in asecs.items()},
            "all_totals": [round(s["total"], 3) for s in alt_all],
            "identical": same,
            "ratio_to_pool_units": round(asecs["total"] / pool_s, 3),
            "speed_up": round(secs["total"] / asecs["total"], 2),
        }
        print(
            f"alt draw ({args.alt_draw}): {asecs['total']:.2f} s "
            f"(select {asecs['select_targets']:.2f} + assign {asecs['assign_teams']:.2f}), "
            f"{asecs['total'] / pool_s:.2f}x the pool read, identical: {same}",
            flush=True,
        )
        del atargets, ateams
    del units, targets, teams
    gc.collect()

    # --- commit + perform (the draw as the DAG makes it) -------------------------------
    commit_s, draw_id = timed(lifecycle.commit, engine, spec, origin="bench/draw/1", now=NOW)
    perform_s, rec = timed(lifecycle.perform, engine, draw_id, now=NOW)
    folder = lifecycle.draws_dir() / draw_id
    report["commit_perform"] = {
        "draw_id": draw_id,
        "commit_seconds": round(commit_s, 3),
        "perform_seconds": round(perform_s, 3),
        "total_seconds": round(commit_s + perform_s, 3),
        "status": rec["status"],
        "targets": len(rec["targets"]),
        "teams": len(rec["teams"]),
        "pool_csv_mb": round((folder / "pool.csv").stat().st_size / 2**20, 1),
        "roster_csv_mb": round((folder / "roster.csv").stat().st_size / 2**20, 2),
        "record_json_mb": round((folder / "record.json").stat().st_size / 2**20, 2),
        "peak_rss_mb_after": round(rss_mb(), 1),
    }
    print(
        f"commit {commit_s:.2f} s + perform {perform_s:.2f} s = "
        f"{commit_s + perform_s:.2f} s ({rec['status']}, {len(rec['targets'])} targets)",
        flush=True,
    )

    # --- VERIFY ----------------------------------------------------------------------
    ver = child(
        "verify-worker",
        {
            "record": str(folder / "record.json"),
            "profile": str(beside(args, "verify_profile.txt")) if args.profile else None,
        },
    )
    report["verify"] = {
        **ver,
        "ratio_to_draw": round(ver["seconds"] / secs["total"], 3),
        "ratio_to_perform": round(ver["seconds"] / perform_s, 3),
    }
    print(
        f"verify: {ver['seconds']:.2f} s ({'MATCH' if ver['ok'] else 'MISMATCH'}), "
        f"{ver['seconds'] / secs['total']:.2f}x the draw, "
        f"{ver['seconds'] / perform_s:.2f}x perform; peak {ver['peak_rss_mb']:.0f} MB",
        flush=True,
    )

    report["peak_rss_mb"] = round(rss_mb(), 1)
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    d = secs["total"]
    report["verdict"] = {
        "draw_within_10s": d <= TARGET_SECONDS,
        "draw_within_2_5x_pool_read": d <= TARGET_RATIO * pool_s,
        "verify_no_slower_than_draw": ver["seconds"] <= d,
        "verify_no_slower_than_perform": ver["seconds"] <= perform_s,
        "verify_ok": ver["ok"],
    }
    return report


def show(r: dict) -> None:
    d = r["draw"]["seconds"]["total"]
    p = r["read"]["pool_units_seconds"]
    print()
    print(
        f"pool ({r['pool']['department']}, layout {r['pool']['layout']}): "
        f"{r['pool']['size']} units, {r['pool']['key']} key"
    )
    print(f"  pool_units            {p:8.2f} s")
    print(f"  bare pd.read_sql      {r['read']['bare_read_sql_seconds']:8.2f} s")
    print(f"draw of {r['draw']['targets']} + teams of {r['params']['team_size']}")
    print(
        f"  select+assign         {d:8.2f} s   {d / p:.2f}x pool_units "
        f"(target <= {TARGET_SECONDS:.0f} s and <= {TARGET_RATIO}x); "
        f"CPU {r['draw']['seconds']['cpu']:.2f} s"
    )
    if "alt_draw" in r:
        a = r["alt_draw"]
        print(
            f"  alt select+assign     {a['seconds']['total']:8.2f} s   "
            f"{a['ratio_to_pool_units']:.2f}x pool_units, identical: {a['identical']}; "
            f"CPU {a['seconds']['cpu']:.2f} s"
        )
    cp = r["commit_perform"]
    print(
        f"  commit + perform      {cp['total_seconds']:8.2f} s   "
        f"({cp['commit_seconds']:.2f} + {cp['perform_seconds']:.2f})"
    )
    print(
        f"verify_record           {r['verify']['seconds']:8.2f} s   "
        f"{r['verify']['ratio_to_draw']:.2f}x the draw"
    )
    print(
        f"peak RSS: this process {r['peak_rss_mb']:.0f} MB, verify "
        f"{r['verify']['peak_rss_mb']:.0f} MB, set-up {r['setup']['peak_rss_mb']:.0f} MB"
    )
    print(
        f"load average: {r['loadavg_start']} at the start, {r['loadavg_end']} at the end "
        f"({r['machine']['nproc']} CPUs)"
    )
    print("verdict: " + ", ".join(f"{k}={v}" for k, v in r["verdict"].items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=5000)
    ap.add_argument("--conflicts", type=int, default=50_000)
    ap.add_argument("--draw", type=int, default=5000)
    ap.add_argument("--team-size", type=int, default=2)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--layout", choices=("one", "natural"), default="natural")
    ap.add_argument("--department", default="冶金工贸监管科")
    ap.add_argument(
        "--cap",
        type=int,
        default=None,
        help="max teams per inspector (Spec.max_per_inspector); default: "
        "draw.default_cap over the qualified inspectors",
    )
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--read-repeat", type=int, default=3)
    ap.add_argument("--draw-repeat", type=int, default=1)
    ap.add_argument("--alt-draw", help="another copy of shuangsui/draw.py to compare")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the draw and verify (<json stem>_profile.txt, _verify_profile.txt)",
    )
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--json", default=str(OUT / "draw.json"))
    ap.add_argument("--setup", help=argparse.SUPPRESS)
    ap.add_argument("--verify-worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.setup:
        setup_worker(json.loads(args.setup))
        return 0
    if args.verify_worker:
        verify_worker(json.loads(args.verify_worker))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    report = run(args)
    Path(args.json).write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    show(report)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
