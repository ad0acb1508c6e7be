"""The life of a draw (抽查任务) in the business database: commit, perform, decide.

`commit` freezes the pool and the roster as canonical snapshots and publishes their hashes,
the parameters, the code version and the seed commitment; `perform` draws targets and teams
with the algorithm (draw/algorithm.py) and writes the record; `decide` records the
分管领导's approval or rejection. Every step is idempotent: a retried task or a cleared run
finds the draw of its origin and never draws a second, different one. Each returns the
draw's typed record (draw/record.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text

from shuangsui import __version__, audit, config, db
from shuangsui.core.clock import utcnow
from shuangsui.core.hashing import json_sha256, sha256_hex
from shuangsui.core.reference import DEPARTMENT_CODES, HOLDS_ROUND, UNDECIDED, DrawStatus
from shuangsui.draw import algorithm as draw
from shuangsui.draw import plan as plans
from shuangsui.draw import record as records
from shuangsui.draw import sources
from shuangsui.draw.pool import pool_units, previous_inspectors, roster_as_of
from shuangsui.draw.record import DrawRecord
from shuangsui.draw.spec import Spec


def code_version() -> str:
    """The package version and, in a git checkout, the commit the code was run from."""
    try:
        rev = subprocess.run(
            ["git", "-C", str(config.ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"shuangsui {__version__}" + (f" (git {rev})" if rev else "")


def draws_dir() -> Path:
    return Path(config.data_dir()) / "draws"


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return sha256_hex(text)


def commit(
    engine: Engine,
    spec: Spec,
    *,
    origin: str,
    now: dt.datetime,
    actor: str = "draw",
    beacon: sources.Beacon | None = None,
) -> str:
    """Freeze the pool and roster, commit to a secret seed, publish the commitment.
    Returns the draw id; the same origin always returns the same draw. `beacon`: the
    configured randomness beacon, for a draw whose source is "beacon"."""
    spec.check()
    with engine.begin() as conn:
        existing = conn.execute(
            select(db.draw.c.draw_id).where(db.draw.c.origin == origin)
        ).scalar()
        if existing:
            return existing
        lock_department(conn, spec.department, spec.year)
        _refuse_a_second_open_draw(conn, spec)
        source = (
            sources.name_source(
                spec.source,
                now,
                dt.date.fromisoformat(spec.source_date) if spec.source_date else None,
                beacon=beacon,
            )
            if spec.source
            else None
        )
        if (
            spec.redraw_of
            and conn.execute(
                select(db.draw.c.draw_id).where(db.draw.c.draw_id == spec.redraw_of)
            ).scalar()
            is None
        ):
            raise draw.DrawRefused(f"re-draw of {spec.redraw_of}: no such draw")
        plan = next(iter(plans.load(conn, spec.year, spec.department)), None)
        units = pool_units(conn, spec, now, plan.frequency if plan else None)
        roster, conflicts = roster_as_of(conn, now)
        n = spec.units if spec.units is not None else math.ceil(spec.ratio * len(units))
        draw_id = (
            f"{spec.year}-{DEPARTMENT_CODES[spec.department]}-{sha256_hex(origin)[:10].upper()}"
        )
        folder = draws_dir() / draw_id
        pool_hash = _write(folder / "pool.csv", draw.pool_snapshot(units))
        roster_hash = _write(folder / "roster.csv", draw.roster_snapshot(roster, conflicts))
        secret = secrets.token_hex(32)
        params = {**asdict(spec), "units": n, "inspection_date": spec.inspection_date}
        pre = {
            "draw_id": draw_id,
            "algorithm": draw.ALGORITHM,
            "params": params,
            "pool": {
                "sha256": pool_hash,
                "size": len(units),
                "key": sum(u.stratum == draw.KEY for u in units),
            },
            "roster_sha256": roster_hash,
            "code_version": code_version(),
            "commitment": draw.commitment(secret),
            "committed_at": now.isoformat() + "Z",
        }
        if source:  # two-phase: the value is not known yet, only where it will come from
            pre["public_source"] = source
        else:  # a draw whose public value was given at commit
            pre["public_value"] = spec.public_value
        _write(folder / "commitment.json", json.dumps(pre, ensure_ascii=False, indent=2))
        conn.execute(
            db.draw.insert().values(
                draw_id=draw_id,
                origin=origin,
                year=spec.year,
                round=spec.round,
                kind=spec.kind,
                department=spec.department,
                params=json.dumps(params, ensure_ascii=False),
                status=DrawStatus.COMMITTED,
                pool_sha256=pool_hash,
                pool_size=len(units),
                roster_sha256=roster_hash,
                commitment=pre["commitment"],
                secret=secret,
                public_value="" if source else spec.public_value,
                public_source=json.dumps(source, ensure_ascii=False) if source else None,
                code_version=pre["code_version"],
                folder=str(folder),
                created_at=now,
                redraw_of=spec.redraw_of,
                redraw_reason=spec.redraw_reason,
            )
        )
        audit.record(
            conn, "draw.committed", pre, actor=actor, entity="draw", entity_key=draw_id, now=now
        )
    return draw_id


def _checklist_version(conn: Connection, on: dt.date) -> int:
    c = db.checklist_item
    return (
        conn.execute(
            select(func.max(c.c.version)).where(
                c.c.effective_from <= on, (c.c.effective_to.is_(None)) | (c.c.effective_to > on)
            )
        ).scalar()
        or 1
    )


def perform(engine: Engine, draw_id: str, *, now: dt.datetime, actor: str = "draw") -> DrawRecord:
    """Draw the targets and teams of a committed draw (from its frozen snapshots) and
    write its record. A draw already drawn is returned as it is."""
    with engine.begin() as conn:
        row = records.load(conn, draw_id)
        if row.status != DrawStatus.COMMITTED:
            return row
        if row.public_source and row.value_entered_at is None:
            raise draw.DrawRefused(
                f"draw {draw_id}: the value of {row.public_source['label']} is not entered yet"
            )
        lock_department(conn, row.department, row.year)
        folder = row.folder
        pool_text = (folder / "pool.csv").read_text(encoding="utf-8")
        roster_text = (folder / "roster.csv").read_text(encoding="utf-8")
        for name, text, want in (
            ("pool", pool_text, row.pool_sha256),
            ("roster", roster_text, row.roster_sha256),
        ):
            if sha256_hex(text) != want:
                raise RuntimeError(f"draw {draw_id}: the frozen {name} snapshot was changed")
        params = row.params
        units = draw.parse_pool(pool_text)
        roster, conflicts = draw.parse_roster(roster_text)
        seed = draw.seed(row.secret, row.public_value, (row.public_source or {}).get("id"))
        on = dt.date.fromisoformat(params["inspection_date"])
        previous: dict[str, set[str]] = {}
        try:
            targets = draw.select_targets(
                units,
                seed,
                draw_id,
                params["units"],
                params["key_share"],
                params["allow_shortfall"],
            )
            by_uscc = {u.uscc: u for u in units}
            previous = previous_inspectors(conn, [t.uscc for t in targets], draw_id)
            teams = draw.assign_teams(
                targets,
                by_uscc,
                roster,
                conflicts,
                seed,
                team_size=params["team_size"],
                on=on,
                cap=params["max_per_inspector"],
                previous=previous,
            )
        except (draw.DrawRefused, draw.TeamImpossible) as e:
            refused = e
        else:
            refused = None
        if refused:
            conn.execute(
                db.draw.update()
                .where(db.draw.c.draw_id == draw_id)
                .values(status=DrawStatus.REFUSED, refusal=str(refused), seed=seed, drawn_at=now)
            )
            audit.record(
                conn,
                "draw.refused",
                {"draw_id": draw_id, "reason": str(refused)},
                actor=actor,
                entity="draw",
                entity_key=draw_id,
                now=now,
            )
            write_record(conn, draw_id, previous=previous)
    if refused:
        raise refused
    with engine.begin() as conn:
        claimed = conn.execute(
            db.draw.update()
            .where(db.draw.c.draw_id == draw_id, db.draw.c.status == DrawStatus.COMMITTED)
            .values(status=DrawStatus.DRAWN, seed=seed, drawn_at=now)
        ).rowcount
        if not claimed:  # a concurrent attempt drew it first: the same draw, from the same seed
            return record(conn, draw_id)
        version = _checklist_version(conn, on)
        if targets:
            conn.execute(
                db.draw_selection.insert(),
                [
                    {
                        "draw_id": draw_id,
                        "uscc": t.uscc,
                        "stratum": t.stratum,
                        "rank": t.rank,
                        "position": t.position,
                    }
                    for t in targets
                ],
            )
        conn.execute(
            db.team_assignment.insert(),
            [
                {
                    "draw_id": draw_id,
                    "uscc": tm.uscc,
                    "inspector_id": iid,
                    "role": "lead" if iid == tm.lead else "member",
                    "rank": tm.ranks[iid],
                    "checklist_version": version,
                    "active": True,
                    "created_at": now,
                }
                for tm in teams
                for iid in tm.members
            ],
        )
        rec = write_record(conn, draw_id, previous=previous)
        audit.record(
            conn,
            "draw.drawn",
            {
                "draw_id": draw_id,
                "seed": seed,
                "targets": len(targets),
                "record_sha256": json_sha256(rec.to_json()),
            },
            actor=actor,
            entity="draw",
            entity_key=draw_id,
            now=now,
        )
    return rec


def record(conn: Connection, draw_id: str) -> DrawRecord:
    """The draw's record, rebuilt from the database (record.json is its to_json())."""
    return records.load(conn, draw_id)


def write_record(
    conn: Connection, draw_id: str, previous: dict[str, set[str]] | None = None
) -> DrawRecord:
    """Rebuild the record and write it as record.json beside the snapshots; called by the
    steps that change a draw (a committed draw has no record yet)."""
    rec = records.load(conn, draw_id, previous=previous)
    if rec.status != DrawStatus.COMMITTED:
        _write(
            rec.folder / "record.json",
            json.dumps(rec.to_json(), ensure_ascii=False, indent=2) + "\n",
        )
    return rec


def decide(
    engine: Engine,
    draw_id: str,
    *,
    approved: bool,
    by: str,
    user: str = "",
    reason: str = "",
    now: dt.datetime,
) -> DrawRecord:
    """The 分管领导's decision on a drawn draw, made at `now` (when he answered) by `by`
    (his name and title; `user` his login). A rejection closes it: a re-draw is a new
    draw naming this one (Spec.redraw_of). Deciding twice keeps the first decision."""
    with engine.begin() as conn:
        row = records.load(conn, draw_id)
        if row.status == DrawStatus.DRAWN:
            if not approved and not reason.strip():
                reason = "（未填写理由）"
            status = DrawStatus.APPROVED if approved else DrawStatus.REJECTED
            conn.execute(
                db.draw.update()
                .where(db.draw.c.draw_id == draw_id)
                .values(status=status, decided_at=now, decided_by=by, decision_reason=reason)
            )
            audit.record(
                conn,
                f"draw.{status}",
                {
                    "draw_id": draw_id,
                    "reason": reason,
                    "decided_at": now.isoformat() + "Z",
                    "user": user,
                },
                actor=by,
                entity="draw",
                entity_key=draw_id,
                now=max(now, utcnow()),
            )
        return write_record(conn, draw_id)


def lock_department(conn: Connection, department: str, year: int) -> None:
    """Serialize, until this transaction ends, whatever reads a 科室's pool or writes its
    selection for a year (第七条(四): parallel draws must not both take a unit whose yearly
    frequency allows one more): an advisory lock on PostgreSQL; on SQLite a write that
    takes the database's write lock at once. Other 科室 are not held up on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"shuangsui.draw/{year}/{department}"},
        )
    else:
        conn.execute(text("UPDATE draw SET status = status WHERE 0"))


def _refuse_a_second_open_draw(conn: Connection, spec: Spec) -> None:
    """No shopping for an outcome: while a draw of a 科室 is undecided, no second one of
    the same kind; a round of the annual plan is drawn once — unless the new draw is a
    re-draw naming the old one. And while a draw of the 科室 waits for its public value,
    its pool may not be frozen again by another (the two would overlap)."""
    d = db.draw.c
    rows = conn.execute(
        select(d.draw_id, d.status, d.kind, d.round).where(
            d.year == spec.year, d.department == spec.department, d.status.in_(HOLDS_ROUND)
        )
    ).all()
    for r in rows:
        if spec.redraw_of == r.draw_id:
            continue
        if r.status == DrawStatus.COMMITTED:
            raise draw.DrawRefused(
                f"{spec.department}的抽查任务 {r.draw_id} 已公布承诺、待抽取；须待其抽取或"
                "作废后再发起新的抽取 (a draw of this 科室 is committed and not drawn yet)"
            )
        if spec.round is not None and r.round == spec.round:
            clash = True
        else:
            clash = spec.round is None and r.kind == spec.kind and r.status in UNDECIDED
        if clash:
            raise draw.DrawRefused(
                f"{spec.year}年{spec.department}已有抽查任务 {r.draw_id}（{r.status}）："
                "同一轮次只抽取一次，同一类型须待前一项决定后再抽取；重新抽取须写明原任务"
                "编号和理由 (one draw per plan round; one undecided draw per kind; a re-draw "
                "names the old one)"
            )


def enter_value(
    engine: Engine,
    draw_id: str,
    *,
    value: str,
    entered_by: str,
    confirmed_by: str,
    entered_at: dt.datetime,
    now: dt.datetime | None = None,
) -> DrawRecord:
    """The public source's announced value, entered by one person and confirmed by
    another, after the source's draw time. Entering twice keeps the first value."""
    now = now or utcnow()
    with engine.begin() as conn:
        row = records.load(conn, draw_id)
        source = row.public_source
        if source is None:
            raise draw.DrawRefused(f"draw {draw_id} names no public source")
        if row.value_entered_at is not None or row.status != DrawStatus.COMMITTED:
            return row
        if source.get("automatic"):
            raise draw.DrawRefused(
                f"{source['label']}由系统自动读取，不能人工录入 (an automatic source)"
            )
        if confirmed_by == entered_by:
            raise draw.DrawRefused(
                f"公开随机数须由另一人核对确认，录入人 {entered_by} 不能自行确认 "
                "(the value must be confirmed by a second person)"
            )
        due = dt.datetime.fromisoformat(source["due_at"].rstrip("Z"))
        if entered_at < due:
            raise draw.DrawRefused(
                f"{source['label']}尚未开奖（{source['due_at']}），不能录入 "
                "(the source's value is not public yet)"
            )
        canonical = sources.check_value(source, value)
        return _store_value(conn, row, canonical, entered_at, entered_by, confirmed_by, now)


def fetch_value(
    engine: Engine,
    draw_id: str,
    *,
    fetch: Callable[[str], dict | None],
    now: dt.datetime | None = None,
) -> DrawRecord | None:
    """An automatic source's value (the beacon round the draw named), fetched once it is
    due with `fetch(url)` (its JSON, or None while not published) and checked; None while
    the round is not published. Fetching twice keeps the first value."""
    now = now or utcnow()
    with engine.connect() as conn:
        row = records.load(conn, draw_id)
    source = row.public_source
    if not source or not source.get("automatic"):
        raise draw.DrawRefused(f"draw {draw_id} names no automatic public source")
    if row.value_entered_at is not None or row.status != DrawStatus.COMMITTED:
        return row
    if now < dt.datetime.fromisoformat(source["due_at"].rstrip("Z")):
        return None
    payload = fetch(source["url"])
    if payload is None:
        return None
    value = sources.beacon_value(source, payload)
    at = max(now, utcnow())
    with engine.begin() as conn:
        row = records.load(conn, draw_id)
        if row.value_entered_at is not None or row.status != DrawStatus.COMMITTED:
            return row
        return _store_value(conn, row, value, at, "beacon", "", at)


def _store_value(
    conn: Connection,
    row: DrawRecord,
    canonical: str,
    entered_at: dt.datetime,
    entered_by: str,
    confirmed_by: str,
    now: dt.datetime,
) -> DrawRecord:
    draw_id, source = row.draw_id, row.public_source or {}
    conn.execute(
        db.draw.update()
        .where(db.draw.c.draw_id == draw_id)
        .values(
            public_value=canonical,
            value_entered_at=entered_at,
            value_entered_by=entered_by,
            value_confirmed_by=confirmed_by,
        )
    )
    audit.record(
        conn,
        "draw.value_entered",
        {
            "draw_id": draw_id,
            "source": source["id"],
            "value": canonical,
            "entered_at": entered_at.isoformat() + "Z",
            "entered_by": entered_by,
            "confirmed_by": confirmed_by,
        },
        actor=entered_by,
        entity="draw",
        entity_key=draw_id,
        now=max(now, utcnow()),
    )
    return records.load(conn, draw_id)


def abandon(
    engine: Engine, draw_id: str, *, reason: str, by: str, now: dt.datetime | None = None
) -> DrawRecord:
    """Abandon (作废) a committed draw that will never be drawn (its source held no draw,
    or the draw is no longer needed): the commitment stays public, marked 已作废 with the
    reason, and its secret is revealed so anyone sees it was not used."""
    now = now or utcnow()
    if not reason.strip():
        raise draw.DrawRefused("作废须写明理由 (an abandonment must say why)")
    with engine.begin() as conn:
        row = records.load(conn, draw_id)
        if row.status != DrawStatus.COMMITTED:
            return row
        conn.execute(
            db.draw.update()
            .where(db.draw.c.draw_id == draw_id, db.draw.c.status == DrawStatus.COMMITTED)
            .values(status=DrawStatus.ABANDONED, abandoned_reason=reason)
        )
        audit.record(
            conn,
            "draw.abandoned",
            {"draw_id": draw_id, "reason": reason, "secret": row.secret},
            actor=by,
            entity="draw",
            entity_key=draw_id,
            now=now,
        )
        return write_record(conn, draw_id)
