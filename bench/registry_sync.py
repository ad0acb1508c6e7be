"""Benchmark: the registry sync of a large enterprise file against PostgreSQL's own bulk
load of the same file (the target of the issue: at most 2.0x `psql \\copy`).

    .venv/bin/python bench/registry_sync.py [--rows 1000000]
        [--pg-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]

What it does:
1. writes (once; cached in bench/out/) an enterprise CSV of --rows rows with
   bench/large_sample.py's write_large_enterprises, and a copy with 1% of the rows changed;
2. creates a fresh database for the run (dropped at the end) and runs the migrations;
3. BASELINE: `psql -c "\\copy bench_copy FROM '<file>' WITH (FORMAT csv, HEADER true)"`
   into a table of the file's 9 columns as text with PRIMARY KEY (uscc); the wall time
   of the psql process (median of --baseline-repeat loads, each into a new table);
4. OURS: the full sync in a subprocess (so its peak RSS, VmHWM, is its own):
   registry.land -> registry.prepare (normalize + Great Expectations) -> registry.apply
   (one transaction, full snapshot), into the empty directory: every row an insert.
   Each phase is timed inside the subprocess (wall and CPU seconds); --profile adds a
   pyinstrument profile of the first sync (pyinstrument is not a project dependency);
5. the same file again (nothing changes: the idempotent case), then the 1%-changed file;
6. checks what was applied (row counts, the directory equals the \\copy of the file,
   a digest of the directory and its history) and prints the figures; the same go to
   bench/out/registry_sync.json (--json to change).

"ours" is the in-process time of land + prepare + apply (what a DAG task spends on the
sync); the subprocess wall time, which adds interpreter start-up and the imports
(pandas, SQLAlchemy, Great Expectations), is reported beside it.

The subprocess imports `shuangsui` the way this interpreter does: put another copy first
on PYTHONPATH to benchmark it (the `code` field of the JSON says which copy ran).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
TARGET = 2.0
MARK = "BENCH_RESULT "
TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 9, 0, 0)

# The file's 9 columns (the canonical names of the Chinese headers, in file order).
BASE_COLUMNS = (
    "uscc",
    "name",
    "industry",
    "department",
    "key_enterprise",
    "risk_class",
    "status",
    "address",
    "legal_rep",
)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Migrations live in this checkout's sql/, whichever copy of the package is imported.
os.environ.setdefault("SHUANGSUI_SQL_DIR", str(ROOT / "sql"))
# The generated files in bench/out/ are synced: a landing folder for this process.
os.environ["SHUANGSUI_LANDING_ROOTS"] = os.pathsep.join(
    filter(None, [os.environ.get("SHUANGSUI_LANDING_ROOTS"), str(OUT)])
)


# ---------------------------------------------------------------------------------------
# Input files
# ---------------------------------------------------------------------------------------


def ensure_csv(rows: int, seed: int) -> Path:
    from large_sample import write_large_enterprises

    path = OUT / f"enterprises_{rows}_seed{seed}.csv"
    if not path.exists():
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        write_large_enterprises(tmp, rows, seed)
        tmp.rename(path)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s", flush=True)
    return path


def ensure_changed_csv(base: Path, share: float = 0.01) -> Path:
    """The same file with `share` of its rows changed (风险等级 moved on one class, 地址
    given a 座), every 1/share-th row: a realistic monthly delta of a full snapshot."""
    import pandas as pd

    path = base.with_name(base.stem + f"_changed{round(share * 100)}pct.csv")
    if path.exists():
        return path
    df = pd.read_csv(base, dtype=str, keep_default_na=False)
    step = round(1 / share)
    idx = df.index[df.index % step == step // 2]
    risk = df.columns[5]  # 风险等级
    address = df.columns[7]  # 地址
    nxt = {"A": "B", "B": "C", "C": "D", "D": "A", "": "A"}
    df.loc[idx, risk] = df.loc[idx, risk].map(nxt)
    df.loc[idx, address] = df.loc[idx, address] + "B座"
    tmp = path.with_suffix(".tmp")
    df.to_csv(tmp, index=False, lineterminator="\n")
    tmp.rename(path)
    return path


# ---------------------------------------------------------------------------------------
# The sync, in a subprocess
# ---------------------------------------------------------------------------------------


def worker(spec: dict) -> None:
    """One sync of one file, each phase timed; prints MARK + JSON on its last line."""
    t_start = time.perf_counter()
    import great_expectations as gx
    import pandas as pd

    import shuangsui
    from shuangsui import db
    from shuangsui.intake import pipeline as registry
    from shuangsui.intake import quality

    timers: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timers[name] = timers.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    # Sub-phases, measured by wrapping (behaviour unchanged): normalization, the GX run,
    # and the staging load (temporary table + COPY) inside apply.
    quality.normalized = timed("normalize", quality.normalized)
    gx.ValidationDefinition.run = timed("gx_validation_run", gx.ValidationDefinition.run)
    registry._stage = timed("apply_stage_copy", registry._stage)
    t_imported = time.perf_counter()

    profiler = None
    if spec.get("profile"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()

    engine = db.engine(spec["url"])
    now = dt.datetime.fromisoformat(spec["now"])
    cpu = time.process_time
    t0, c0 = time.perf_counter(), cpu()
    landed = registry.land(spec["path"])
    t1, c1 = time.perf_counter(), cpu()
    with engine.connect() as conn:
        prep = registry.prepare(conn, landed, run_id=spec["run_id"], today=TODAY)
    t2, c2 = time.perf_counter(), cpu()
    summary = registry.apply(engine, prep, now=now, full_snapshot=True)
    t3, c3 = time.perf_counter(), cpu()
    synced_at = time.time()
    engine.dispose()

    if profiler is not None:
        profiler.stop()
        Path(spec["profile"]).write_text(
            profiler.output_text(unicode=True, color=False, show_all=False)
        )
        Path(spec["profile"]).with_suffix(".html").write_text(profiler.output_html())

    findings = [
        (f.row, f.column, repr(f.value), f.rule, f.message, f.severity)
        for _, c in prep.checked.get("enterprises", [])
        for f in c.findings
    ]
    valid = pd.concat([c.valid for _, c in prep.checked["enterprises"]], ignore_index=True)
    result = {
        "code": shuangsui.__file__,
        "phases": {
            "read": t1 - t0,
            "normalize_validate": t2 - t1,
            "apply": t3 - t2,
        },
        "subphases": {
            "normalize": timers.get("normalize", 0.0),
            "gx_validation_run": timers.get("gx_validation_run", 0.0),
            "check_other": (t2 - t1)
            - timers.get("normalize", 0.0)
            - timers.get("gx_validation_run", 0.0),
            "apply_stage_copy": timers.get("apply_stage_copy", 0.0),
            "apply_sql": (t3 - t2) - timers.get("apply_stage_copy", 0.0),
        },
        # CPU seconds of this process (not of the PostgreSQL server) in each phase: less
        # sensitive than wall time to other work on the machine.
        "phases_cpu": {"read": c1 - c0, "normalize_validate": c2 - c1, "apply": c3 - c2},
        "sync_seconds": t3 - t0,
        "synced_at": synced_at,  # wall clock: the parent measures start-up + imports + sync
        "import_seconds": t_imported - t_start,
        "counts": summary["entities"].get("enterprises"),
        "quarantine_new": summary["quarantine_new"],
        "sources": summary["sources"],
        "findings": len(findings),
        "findings_digest": hashlib.sha256(
            json.dumps(findings, ensure_ascii=False).encode()
        ).hexdigest(),
        "valid_rows": len(valid),
        "valid_digest": hashlib.sha256(
            pd.util.hash_pandas_object(valid.astype(str), index=False).values.tobytes()
        ).hexdigest(),
    }
    # This process's own peak RSS since exec (VmHWM). ru_maxrss from wait4 can be no less
    # than the RSS of the parent at fork time, which Linux carries over the exec.
    status = Path("/proc/self/status")
    if status.exists():
        hwm = next(
            (l.split()[1] for l in status.read_text().splitlines() if l.startswith("VmHWM:")), None
        )
        result["vmhwm_mb"] = int(hwm) / 1024 if hwm else None
    print(MARK + json.dumps(result, ensure_ascii=False), flush=True)


def run_child(argv: list[str], env: dict | None = None) -> tuple[float, object, str, str]:
    """Run a process; its wall seconds, resource usage (its own, from wait4: ru_maxrss in
    KiB, ru_utime, ru_stime), stdout, stderr."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if p.returncode:
        raise RuntimeError(f"{argv[:3]}... exited {p.returncode}:\n{stderr[-4000:]}")
    return wall, usage, stdout, stderr


def sync(url: str, path: Path, run_id: str, now: dt.datetime, profile: Path | None) -> dict:
    spec = {
        "url": url,
        "path": str(path),
        "run_id": run_id,
        "now": now.isoformat(),
        "profile": str(profile) if profile else None,
    }
    load = os.getloadavg()[0]
    started = time.time()
    wall, usage, stdout, _ = run_child(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    )
    line = next(l for l in reversed(stdout.splitlines()) if l.startswith(MARK))
    result = json.loads(line[len(MARK) :])
    # The subprocess's wall time up to the end of the sync (interpreter start-up, imports,
    # sync), without the digests computed after it for the checks.
    result["wall_seconds"] = result["synced_at"] - started
    result["process_seconds"] = wall
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    result["ru_maxrss_mb"] = usage.ru_maxrss / 1024
    result["peak_rss_mb"] = result.get("vmhwm_mb") or result["ru_maxrss_mb"]
    result["loadavg_1min"] = [load, os.getloadavg()[0]]
    return result


# ---------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------


def libpq_uri(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def baseline(url, path: Path, repeat: int) -> dict:
    """psql \\copy of the file into a new 9-column text table with a primary key."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    runs, load = [], []
    for i in range(repeat):
        with eng.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_copy"))
            conn.execute(
                text(
                    "CREATE TABLE bench_copy ("
                    + ", ".join(f"{c} text" for c in BASE_COLUMNS)
                    + ", PRIMARY KEY (uscc))"
                )
            )
        checkpoint(eng)
        cmd = [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            libpq_uri(url),
            "-c",
            f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)",
        ]
        load.append(os.getloadavg()[0])
        wall, _, _, _ = run_child(cmd)
        runs.append(wall)
        print(f"  baseline run {i + 1}/{repeat}: {wall:.2f} s", flush=True)
    with eng.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM bench_copy")).scalar_one()
    eng.dispose()
    return {
        "seconds": statistics.median(runs),
        "runs": runs,
        "rows_loaded": n,
        "loadavg_1min": load,
    }


def checkpoint(eng) -> None:
    """Start each timed step without the previous step's dirty pages to write."""
    from sqlalchemy import text

    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))


_ENT_COLS = (
    "uscc, name, industry, department, key_enterprise::text, risk_class, status, "
    "address, legal_rep, listed::text"
)


def state(url) -> dict:
    """What the directory holds: counts, whether it equals the \\copy of the file, digests."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    q = {
        "enterprise_rows": "SELECT count(*) FROM enterprise",
        "enterprise_listed": "SELECT count(*) FROM enterprise WHERE listed",
        "history_rows": "SELECT count(*) FROM enterprise_history",
        "history_open": "SELECT count(*) FROM enterprise_history WHERE valid_to IS NULL",
        "quarantine_rows": "SELECT count(*) FROM quarantine",
        "audit_events": "SELECT count(*) FROM audit_event",
        "enterprise_digest": f"SELECT md5(string_agg(concat_ws('|', {_ENT_COLS}), E'\\n' "
        "ORDER BY uscc)) FROM enterprise",
        "history_digest": f"SELECT md5(string_agg(concat_ws('|', {_ENT_COLS}, valid_from, "
        "valid_to, sync_run), E'\\n' ORDER BY uscc, valid_from)) "
        "FROM enterprise_history",
        # The first sync of a clean file must give exactly what \copy loaded (是 -> true).
        "differs_from_copy": """
            SELECT count(*) FROM bench_copy b FULL JOIN enterprise e USING (uscc)
            WHERE b.uscc IS NULL OR e.uscc IS NULL
               OR (e.name, e.industry, e.department, e.key_enterprise, e.risk_class,
                   e.status, e.address, e.legal_rep)
                  IS DISTINCT FROM (b.name, b.industry, b.department, b.key_enterprise = '是',
                   NULLIF(b.risk_class, ''), b.status, NULLIF(b.address, ''),
                   NULLIF(b.legal_rep, ''))""",
    }
    with eng.connect() as conn:
        out = {k: conn.execute(text(v)).scalar_one() for k, v in q.items()}
    eng.dispose()
    return out


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def machine(url) -> dict:
    import great_expectations as gx
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
    with eng.connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar_one()
        settings = {
            k: conn.execute(text(f"SHOW {k}")).scalar_one()
            for k in (
                "shared_buffers",
                "max_wal_size",
                "synchronous_commit",
                "work_mem",
                "maintenance_work_mem",
            )
        }
    eng.dispose()
    return {
        "nproc": os.cpu_count(),
        "memory_mb": mem_kib // 1024,
        "cpu": cpu,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "great_expectations": gx.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": pg,
        "postgresql_settings": settings,
    }


def show(report: dict) -> None:
    b, first = report["baseline"], report["syncs"]["first"]
    print()
    print(f"rows                 {report['rows']:>12,}")
    print(f"code                 {first['code']}")
    print(
        f"baseline (\\copy)     {b['seconds']:>12.2f} s   runs: "
        + ", ".join(f"{r:.2f}" for r in b["runs"])
    )
    print(
        f"ours (first sync)    {report['ours_seconds']:>12.2f} s   "
        f"(subprocess wall {first['wall_seconds']:.2f} s, imports {first['import_seconds']:.2f} s)"
    )
    print(
        f"ratio ours/baseline  {report['ratio']:>12.2f} x   (wall: {report['ratio_wall']:.2f} x;"
        f" target <= {TARGET:.1f} x: {'met' if report['meets_target'] else 'NOT met'})"
    )
    print(f"peak RSS             {report['peak_rss_mb']:>12.0f} MB")
    print(
        f"load average (1 min) {', '.join(f'{x:.1f}' for x in b['loadavg_1min'])} (baseline runs)"
    )
    for name, r in report["syncs"].items():
        print(
            f"\n{name}: {r['sync_seconds']:.2f} s  (wall {r['wall_seconds']:.2f} s, "
            f"cpu {r['cpu_seconds']:.1f} s, peak {r['peak_rss_mb']:.0f} MB, "
            f"ratio {r['sync_seconds'] / b['seconds']:.2f} x, load "
            f"{r['loadavg_1min'][0]:.1f}->{r['loadavg_1min'][1]:.1f})"
            f"  counts {r['counts']}, findings {r['findings']}"
        )
        for k, v in r["phases"].items():
            print(f"    {k:<20} {v:8.2f} s   (cpu {r['phases_cpu'][k]:6.2f} s)")
        for k, v in r["subphases"].items():
            print(f"      {k:<18} {v:8.2f} s")
    print(f"\nchecks: {report['checks']}")


def _git(*args: str) -> str:
    """A read-only git query on this checkout ('' if git is not there)."""
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument(
        "--pg-url",
        default=DEFAULT_PG,
        help="a PostgreSQL server URL; its database is used only to create and "
        "drop the run's own database",
    )
    ap.add_argument("--baseline-repeat", type=int, default=3)
    ap.add_argument("--no-second", action="store_true", help="skip the no-change sync")
    ap.add_argument("--no-changed", action="store_true", help="skip the 1%%-changed sync")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="profile the first sync with pyinstrument (bench/out/profile_*.txt)",
    )
    ap.add_argument("--label", default="current", help="a name for this run in the JSON")
    ap.add_argument("--json", type=Path, default=OUT / "registry_sync.json")
    ap.add_argument("--keep-db", action="store_true", help="do not drop the run's database")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        worker(json.loads(args.worker))
        return 0

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    OUT.mkdir(parents=True, exist_ok=True)
    path = ensure_csv(args.rows, args.seed)
    changed = None if args.no_changed else ensure_changed_csv(path)

    server = make_url(args.pg_url)
    dbname = f"bench_registry_{os.getpid()}"
    url = server.set(database=dbname)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    report: dict = {
        "label": args.label,
        "rows": args.rows,
        "seed": args.seed,
        "git_head": _git("rev-parse", "--short", "HEAD"),
        "git_dirty_include": bool(_git("status", "--porcelain", "--", "include")),
        "file": str(path),
        "file_bytes": path.stat().st_size,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }
    try:
        from shuangsui import db

        report["machine"] = machine(url)
        print(f"database {dbname}: migrations", flush=True)
        db.upgrade(url.render_as_string(hide_password=False))
        eng = create_engine(url)

        print(f"baseline: psql \\copy of {path.name} ({args.rows:,} rows)", flush=True)
        report["baseline"] = baseline(url, path, args.baseline_repeat)

        plan = [("first", path)]
        if not args.no_second:
            plan.append(("second_no_change", path))
        if changed:
            plan.append(("changed_1pct", changed))
        report["syncs"], report["states"] = {}, {}
        for k, (name, file) in enumerate(plan):
            checkpoint(eng)
            profile = OUT / f"profile_{args.label}_{name}.txt" if args.profile else None
            print(f"sync {name}: {file.name}", flush=True)
            r = sync(
                url.render_as_string(hide_password=False),
                file,
                f"bench_{name}",
                NOW + dt.timedelta(hours=k),
                profile,
            )
            print(
                f"  {r['sync_seconds']:.2f} s (wall {r['wall_seconds']:.2f} s), "
                f"peak {r['peak_rss_mb']:.0f} MB, {r['counts']}",
                flush=True,
            )
            report["syncs"][name] = r
            report["states"][name] = state(url)
        eng.dispose()
    finally:
        if not args.keep_db:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()

    b, first = report["baseline"]["seconds"], report["syncs"]["first"]
    n = args.rows
    s1 = report["states"]["first"]
    checks = {
        "baseline_rows_loaded": report["baseline"]["rows_loaded"] == n,
        "first_inserts_all": first["counts"] == {"inserted": n, "updated": 0, "delisted": 0},
        "first_equals_copy": s1["differs_from_copy"] == 0,
        "first_history_open": s1["history_open"] == n,
    }
    if "second_no_change" in report["syncs"]:
        s2 = report["states"]["second_no_change"]
        checks["second_changes_nothing"] = (
            report["syncs"]["second_no_change"]["counts"]
            == {"inserted": 0, "updated": 0, "delisted": 0}
            and s2["enterprise_digest"] == s1["enterprise_digest"]
            and s2["history_digest"] == s1["history_digest"]
        )
    if "changed_1pct" in report["syncs"]:
        m = len(range(50, n, 100))
        s3 = report["states"]["changed_1pct"]
        checks["changed_updates_1pct"] = (
            report["syncs"]["changed_1pct"]["counts"]
            == {"inserted": 0, "updated": m, "delisted": 0}
            and s3["history_rows"] == n + m
            and s3["history_open"] == n
        )
    report.update(
        {
            "ours_seconds": first["sync_seconds"],
            "ours_wall_seconds": first["wall_seconds"],
            "ratio": first["sync_seconds"] / b,
            "ratio_wall": first["wall_seconds"] / b,
            "target": TARGET,
            "meets_target": first["sync_seconds"] / b <= TARGET,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in report["syncs"].values()),
            "checks": checks,
        }
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    show(report)
    print(f"\nwritten {args.json}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
