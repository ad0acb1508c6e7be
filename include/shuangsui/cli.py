"""`shuangsui`: the project's own commands (the DAGs call the same functions)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from shuangsui import config
from shuangsui.core.clock import china_date, china_today, utcnow


def cmd_migrate(args) -> int:
    from shuangsui import db

    db.upgrade(args.db)
    print(f"schema up to date: {db.engine(args.db).url.render_as_string()}")
    return 0


def cmd_sample(args) -> int:
    from shuangsui import sample

    for p in sample.write_sample_set(Path(args.folder), today=dt.date.fromisoformat(args.today)):
        print(p)
    return 0


def cmd_sync(args) -> int:
    """Registry sync without Airflow: the same steps as the registry_sync DAG."""
    from shuangsui import db
    from shuangsui.intake import pipeline as registry
    from shuangsui.intake import quality_report as report

    engine = db.engine(args.db)
    now = utcnow()
    run_id = args.run_id or f"cli__{now:%Y%m%dT%H%M%S}"
    work = config.work_dir() / "registry_sync" / run_id
    prepared = registry.prepare_run(
        engine, args.source, (), run_id=run_id, today=china_date(now), workdir=work, now=now
    )
    try:
        summary = registry.apply_run(
            engine,
            prepared,
            now=now,
            full_snapshot=not args.partial,
            confirm_delist=args.confirm_delist,
            actor=f"cli:{getpass.getuser()}",
        )
    except registry.SnapshotRefused as e:
        refused = json.loads(prepared.with_name("summary.json").read_text(encoding="utf-8"))
        print(e)
        print(f"report: {report.quality_report(prepared, refused)}")
        return 2
    path = report.quality_report(prepared, summary)
    for guard in summary["delist_guard"]:
        print(guard["message"])
    print(json.dumps(summary["entities"], ensure_ascii=False))
    print(f"report: {path}")
    return 0


def cmd_verify_audit(args) -> int:
    from shuangsui import audit, db
    from shuangsui.publish import audit_heads

    heads = []
    if args.against:
        try:
            heads = audit_heads.read(args.against)
        except (OSError, audit_heads.HeadsError) as e:
            print(f"无法读取已公布的审计链头 / cannot read the published heads: {e}")
            return 2
    with db.engine(args.db).connect() as conn:
        r = audit.verify(conn)
        problems = audit.unextended_heads(conn, heads) if args.against else []
    if r.first_broken is None:
        print(f"audit chain intact: {r.events} events")
    else:
        print(f"audit chain BROKEN at event {r.first_broken}: {r.reason}")
    for p in problems:
        print(f"MISMATCH {p}")
    if args.against and not problems:
        print(f"extends all {len(heads)} published heads of {args.against}")
    return 1 if problems or r.first_broken is not None else 0


def cmd_plan(args) -> int:
    """Load annual plans from a file (the annual_plan DAG does the same)."""
    from shuangsui import db
    from shuangsui.draw import plan, plan_file

    try:
        plans = plan_file.read_plans(Path(args.file))
        n = plan.save(db.engine(args.db), plans, source=str(args.file), actor="cli", now=utcnow())
    except plan.PlanInvalid as e:
        print(f"计划不予保存 / plan refused:\n{e}")
        return 2
    for p in plans:
        print(
            f"{p.year} {p.department}: {p.planned_units} planned, {p.rounds} rounds, "
            f"{p.random_units} at random ({p.units_for_round(1)} in round 1)"
        )
    print(f"{n} plan(s) changed")
    return 0


def cmd_verify(args) -> int:
    """Re-compute a draw from its published record. Prints MATCH only if every check was
    made; PARTIAL MATCH (exit 0) when some could not be (SKIP lines say why, e.g. no
    roster.csv: teams not checked); MISMATCH (exit 1) on any difference."""
    from shuangsui.draw.verify import verify_record

    result = verify_record(Path(args.record), pool_path=args.pool, roster_path=args.roster)
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def cmd_draws(args) -> int:
    """The draws, with units per stratum and their teams (names from the directories)."""
    from sqlalchemy import select

    from shuangsui import db
    from shuangsui.draw import lifecycle

    with db.engine(args.db).connect() as conn:
        names = {u: n for u, n in conn.execute(select(db.enterprise.c.uscc, db.enterprise.c.name))}
        staff = {
            i: n for i, n in conn.execute(select(db.inspector.c.inspector_id, db.inspector.c.name))
        }
        ids = conn.execute(select(db.draw.c.draw_id).order_by(db.draw.c.created_at)).scalars()
        for draw_id in ids:
            rec = lifecycle.record(conn, draw_id)
            key = sum(t.stratum == "K" for t in rec.targets)
            print(
                f"{draw_id}  {rec.department}  {rec.kind}  status={rec.status}  "
                f"units={len(rec.targets)} (key {key}, other {len(rec.targets) - key})"
                f"  pool={rec.pool_size}"
            )
            teams = rec.current_teams()
            for t in rec.targets[: args.teams]:
                lead, *rest = [f"{staff.get(m, m)}({m})" for m in teams.get(t.uscc, [])]
                print(f"    {t.uscc} {names.get(t.uscc, '')}: 组长 {lead}；组员 {'、'.join(rest)}")
            if len(rec.targets) > args.teams:
                print(f"    … {len(rec.targets) - args.teams} more in {rec.folder / 'record.json'}")
    return 0


def cmd_demo_results(args) -> int:
    """Write demonstration results (演示数据) for the units of every approved draw."""
    from sqlalchemy import select

    from shuangsui import db, sample
    from shuangsui.core.reference import DrawStatus
    from shuangsui.draw import lifecycle

    with db.engine(args.db).connect() as conn:
        ids = (
            conn.execute(select(db.draw.c.draw_id).where(db.draw.c.status == DrawStatus.APPROVED))
            .scalars()
            .all()
        )
        records = [lifecycle.record(conn, i).to_json() for i in ids]
    df = sample.demo_results(records, dt.date.fromisoformat(args.today))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False, encoding="utf-8-sig")
    print(f"{len(df)} demonstration result rows for {len(records)} draws: {args.out}")
    return 0


def cmd_status(args) -> int:
    """Counts of the directories, as the demo prints them."""
    from sqlalchemy import func, select

    from shuangsui import audit, db

    with db.engine(args.db).connect() as conn:
        for name, t in (
            ("enterprises", db.enterprise),
            ("inspectors", db.inspector),
            ("conflicts", db.conflict),
        ):
            listed = conn.execute(select(func.count()).where(t.c.listed)).scalar_one()
            total = conn.execute(select(func.count()).select_from(t)).scalar_one()
            print(f"{name:12} listed {listed:>8}  of {total:>8}")
        q = conn.execute(select(func.count()).select_from(db.quarantine)).scalar_one()
        print(f"{'quarantine':12} {q:>8} findings")
        print(f"{'audit':12} {audit.count(conn):>8} events")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="shuangsui", description=__doc__)
    p.add_argument(
        "--db",
        help="business database URL (default: SHUANGSUI_DB_URL or "
        "the SQLite file in the data folder)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the business database schema")
    s = sub.add_parser("sample", help="write the bundled-style sample directory files")
    s.add_argument("folder")
    s.add_argument("--today", default=china_today().isoformat(), help="a day in China")
    s = sub.add_parser("sync", help="registry sync of a file or folder, without Airflow")
    s.add_argument("source")
    s.add_argument(
        "--partial",
        action="store_true",
        help="the files are not a full directory: never mark units as delisted",
    )
    s.add_argument(
        "--confirm-delist",
        action="store_true",
        help="a full directory that marks more than SHUANGSUI_DELIST_MAX_SHARE (5%%) of "
        "the listed units as delisted, or has no rows, is applied (refused otherwise)",
    )
    s.add_argument("--run-id")
    s = sub.add_parser("verify-audit", help="check the audit trail's hash chain")
    s.add_argument(
        "--against",
        metavar="PATH",
        help="also check the chain extends every head published in PATH "
        "(a site folder with audit/heads.jsonl, or a heads file)",
    )
    s = sub.add_parser(
        "verify",
        help="re-compute a draw from its record: MATCH, PARTIAL MATCH (some checks could "
        "not be made, exit 0) or MISMATCH (exit 1)",
    )
    s.add_argument("record")
    s.add_argument("--pool", help="pool snapshot (default: the one named in the record)")
    s.add_argument("--roster", help="roster snapshot (default: the one named in the record)")
    s = sub.add_parser("draws", help="list draws with their strata and teams")
    s.add_argument("--teams", type=int, default=3, help="teams to show per draw")
    s = sub.add_parser(
        "demo-results", help="write demonstration results (演示数据) for the approved draws"
    )
    s.add_argument("out")
    s.add_argument(
        "--today",
        default=china_today().isoformat(),
        help="the inspection day in China (default today; never before a draw's day)",
    )
    s = sub.add_parser("plan", help="load annual plans (年度监督检查计划) from a file")
    s.add_argument("file")
    sub.add_parser("status", help="counts of the directories, quarantine and audit trail")
    args = p.parse_args(argv)
    handler = {
        "migrate": cmd_migrate,
        "sample": cmd_sample,
        "sync": cmd_sync,
        "verify-audit": cmd_verify_audit,
        "status": cmd_status,
        "verify": cmd_verify,
        "plan": cmd_plan,
        "draws": cmd_draws,
        "demo-results": cmd_demo_results,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
