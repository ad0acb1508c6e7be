"""Draws (抽查任务) in the business database: commit, draw, decide, recuse, record.

The life of a draw: `commit` freezes the pool and the roster as canonical snapshots and
publishes their hashes, the parameters, the code version and the seed commitment; `perform`
draws targets and teams with shuangsui.draw.algorithm and writes the record; `decide` records the
分管领导's approval or rejection. Every step is idempotent: a retried task or a cleared run
finds the draw of its origin and never draws a second, different one."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import math
import secrets
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from shuangsui import __version__, audit, config, db
from shuangsui.core.reference import (
    ACTIVE_STATUS,
    DEPARTMENT_CODES,
    DEPARTMENTS,
    DRAW_KINDS,
    KEY_INDUSTRIES,
)
from shuangsui.draw import algorithm as draw
from shuangsui.draw import plan as plans
from shuangsui.intake.directories import directory_as_of

LIVE = ("drawn", "approved", "notified", "in_progress", "closed")  # count toward frequency


@dataclass
class Spec:
    """What one draw is asked to do (from the trigger form or the annual plan)."""

    department: str
    kind: str = "年度计划"
    year: int = 0
    round: int | None = None
    units: int | None = None
    ratio: float | None = None
    key_share: float = 0.5
    team_size: int = 2
    industries: list[str] = field(default_factory=list)
    public_value: str = ""
    inspection_date: str | None = None
    allow_shortfall: bool = False
    max_per_inspector: int | None = None
    redraw_of: str | None = None
    redraw_reason: str | None = None

    def check(self) -> Spec:
        if self.department not in DEPARTMENTS:
            raise draw.DrawRefused(f"unknown 科室 {self.department!r}")
        if self.kind not in DRAW_KINDS:
            raise draw.DrawRefused(f"unknown kind {self.kind!r}; one of {'、'.join(DRAW_KINDS)}")
        if (self.units is None) == (self.ratio is None):
            raise draw.DrawRefused("give either the number of units or the ratio, not both")
        if self.ratio is not None and not 0 < self.ratio <= 1:
            raise draw.DrawRefused(f"ratio {self.ratio} must be in (0, 1]")
        if self.key_share < 0.5 or self.key_share > 1:
            raise draw.DrawRefused(
                f"R4 (第七条(三)): key share {self.key_share} must be between 0.5 and 1"
            )
        if self.team_size < 2:
            raise draw.DrawRefused("R2: team size must be at least 2 (行政处罚法 第四十二条)")
        if not self.inspection_date:
            raise draw.DrawRefused("the inspection date (检查日期) is required")
        dt.date.fromisoformat(self.inspection_date)
        if self.redraw_of and not (self.redraw_reason or "").strip():
            raise draw.DrawRefused("a re-draw must say why the earlier draw is redone")
        return self


def specs_for_run(
    conn: Connection, params: dict, *, today: dt.date, scheduled_round: int | None = None
) -> list[Spec]:
    """The draws a run makes. A scheduled run, or a manual one with from_plan, draws for
    every 科室 with an annual plan for the year, the plan's share for the round; a manual
    run otherwise draws once with the trigger form's parameters."""
    from shuangsui.core import workdays

    inspection = (
        params.get("inspection_date")
        or workdays.add_working_days(today, int(params.get("lead_working_days") or 10)).isoformat()
    )
    common = {
        "public_value": params.get("public_value") or "",
        "inspection_date": inspection,
        "allow_shortfall": bool(params.get("allow_shortfall")),
        "max_per_inspector": params.get("max_per_inspector"),
    }
    if scheduled_round is not None or params.get("from_plan"):
        round_no = scheduled_round or int(params.get("round") or 1)
        found = [
            p
            for p in plans.load(conn, today.year)
            if not params.get("department") or p.department == params["department"]
        ]
        if not found:
            raise draw.DrawRefused(
                f"R5 (第七条(四)): no annual plan (年度监督检查计划) for "
                f"{today.year}; load one with the annual_plan DAG first"
            )
        out = []
        for p in found:
            if round_no > p.rounds:
                continue
            out.append(
                Spec(
                    department=p.department,
                    kind="年度计划",
                    year=today.year,
                    round=round_no,
                    units=p.units_for_round(round_no),
                    key_share=p.key_share,
                    team_size=p.team_size,
                    **common,
                ).check()
            )
        return out
    if not params.get("department"):
        raise draw.DrawRefused("choose the 科室 (department) of the draw, or from_plan")
    return [
        Spec(
            department=params["department"],
            kind=params.get("kind") or "专项治理",
            year=today.year,
            units=params.get("units"),
            ratio=params.get("ratio"),
            key_share=float(params.get("key_share") or 0.5),
            team_size=int(params.get("team_size") or 2),
            industries=list(params.get("industries") or []),
            redraw_of=params.get("redraw_of"),
            redraw_reason=params.get("redraw_reason"),
            **common,
        ).check()
    ]


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


def _drawn_counts(conn: Connection, year: int) -> dict[str, int]:
    """How often each unit was drawn this year in draws that stand (not rejected)."""
    s, d = db.draw_selection, db.draw
    rows = conn.execute(
        select(s.c.uscc, func.count())
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.year == year, d.c.status.in_(LIVE))
        .group_by(s.c.uscc)
    )
    return dict(rows.all())


def pool_units(
    conn: Connection, spec: Spec, moment: dt.datetime, frequency: dict[str, int] | None = None
) -> list[draw.Unit]:
    """The candidate pool: units active (存续) in the directory at `moment`, of the 科室,
    of the industries asked, less those that reached their yearly frequency (R5)."""
    df = directory_as_of(
        conn, "enterprises", moment, status=ACTIVE_STATUS, department=spec.department
    )
    if spec.industries:
        df = df[df["industry"].isin(spec.industries)]
    counts = _drawn_counts(conn, spec.year)
    if counts:
        freq = frequency or {}
        limit = df["risk_class"].map(lambda c: freq.get(c, 1)).fillna(1)
        df = df[df["uscc"].map(counts).fillna(0) < limit]
    key = (df["industry"].isin(KEY_INDUSTRIES) | df["key_enterprise"].astype(bool)).tolist()
    # Columns as lists first: iterating a pandas string column goes element by element
    # through its __getitem__ (about 2 s for 10^6 units); the collector paused while the
    # units are made, as in draw.parse_pool.
    was = gc.isenabled()
    gc.disable()
    try:
        return [
            draw.Unit(u, draw.KEY if k else draw.OTHER, d, i)
            for u, k, d, i in zip(
                df["uscc"].tolist(), key, df["department"].tolist(), df["industry"].tolist()
            )
        ]
    finally:
        if was:
            gc.enable()


def roster_as_of(conn: Connection, moment: dt.datetime):
    """Inspectors in the directory at `moment` and the conflicts that bar them (回避关系
    decided 回避 or still 待定; 不予回避 means the 分管领导 found no conflict)."""
    ins = directory_as_of(conn, "inspectors", moment)
    roster = [
        draw.Inspector(
            r.inspector_id,
            r.department,
            frozenset(p for p in (r.industries or "").split("、") if p),
            _date(r.cert_expiry),
            bool(r.active),
        )
        for r in ins.itertuples()
    ]
    con = directory_as_of(conn, "conflicts", moment)
    conflicts = {
        (a, b)
        for a, b, d in zip(con["inspector_id"], con["uscc"], con["decision"])
        if d != "不予回避"
    }
    return roster, conflicts


def _date(v) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def commit(
    engine: Engine, spec: Spec, *, origin: str, now: dt.datetime, actor: str = "draw"
) -> str:
    """Freeze the pool and roster, commit to a secret seed, publish the commitment.
    Returns the draw id; the same origin always returns the same draw."""
    spec.check()
    with engine.begin() as conn:
        existing = conn.execute(
            select(db.draw.c.draw_id).where(db.draw.c.origin == origin)
        ).scalar()
        if existing:
            return existing
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
            f"{spec.year}-{DEPARTMENT_CODES[spec.department]}-"
            f"{hashlib.sha256(origin.encode()).hexdigest()[:10].upper()}"
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
            "public_value": spec.public_value,
            "committed_at": now.isoformat() + "Z",
        }
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
                status="committed",
                pool_sha256=pool_hash,
                pool_size=len(units),
                roster_sha256=roster_hash,
                commitment=pre["commitment"],
                secret=secret,
                public_value=spec.public_value,
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


def _row(conn: Connection, draw_id: str):
    row = conn.execute(select(db.draw).where(db.draw.c.draw_id == draw_id)).first()
    if row is None:
        raise KeyError(f"no draw {draw_id}")
    return row


def previous_inspectors(conn: Connection, usccs: list[str], before: str) -> dict[str, set[str]]:
    """For each unit, the team of the latest earlier approved draw that inspected it."""
    t, d = db.team_assignment, db.draw
    rows = conn.execute(
        select(t.c.uscc, t.c.inspector_id, d.c.drawn_at)
        .join(d, d.c.draw_id == t.c.draw_id)
        .where(t.c.uscc.in_(usccs), t.c.active, d.c.draw_id != before, d.c.status.in_(LIVE[1:]))
    ).all()
    latest: dict[str, dt.datetime] = {}
    for uscc, _, at in rows:
        latest[uscc] = max(latest.get(uscc, at), at)
    out: dict[str, set[str]] = {}
    for uscc, iid, at in rows:
        if at == latest[uscc]:
            out.setdefault(uscc, set()).add(iid)
    return out


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


def perform(engine: Engine, draw_id: str, *, now: dt.datetime, actor: str = "draw") -> dict:
    """Draw the targets and teams of a committed draw (from its frozen snapshots) and
    write its record. A draw already drawn is returned as it is."""
    with engine.begin() as conn:
        row = _row(conn, draw_id)
        if row.status != "committed":
            return record(conn, draw_id)
        folder = Path(row.folder)
        pool_text = (folder / "pool.csv").read_text(encoding="utf-8")
        roster_text = (folder / "roster.csv").read_text(encoding="utf-8")
        for name, text, want in (
            ("pool", pool_text, row.pool_sha256),
            ("roster", roster_text, row.roster_sha256),
        ):
            if draw.sha256_hex(text) != want:
                raise RuntimeError(f"draw {draw_id}: the frozen {name} snapshot was changed")
        params = json.loads(row.params)
        units = draw.parse_pool(pool_text)
        roster, conflicts = draw.parse_roster(roster_text)
        seed = draw.seed(row.secret, row.public_value)
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
                .values(status="refused", refusal=str(refused), seed=seed, drawn_at=now)
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
            _write_record(conn, draw_id, previous=previous)
    if refused:
        raise refused
    with engine.begin() as conn:
        claimed = conn.execute(
            db.draw.update()
            .where(db.draw.c.draw_id == draw_id, db.draw.c.status == "committed")
            .values(status="drawn", seed=seed, drawn_at=now)
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
        rec = _write_record(conn, draw_id, previous=previous)
        audit.record(
            conn,
            "draw.drawn",
            {
                "draw_id": draw_id,
                "seed": seed,
                "targets": len(targets),
                "record_sha256": _record_hash(rec),
            },
            actor=actor,
            entity="draw",
            entity_key=draw_id,
            now=now,
        )
    return rec


def _record_hash(rec: dict) -> str:
    return draw.sha256_hex(json.dumps(rec, ensure_ascii=False, sort_keys=True))


def record(conn: Connection, draw_id: str, previous: dict | None = None) -> dict:
    """The draw's record as published (record.json), rebuilt from the database."""
    row = _row(conn, draw_id)
    params = json.loads(row.params)
    sel = conn.execute(
        select(db.draw_selection)
        .where(db.draw_selection.c.draw_id == draw_id)
        .order_by(db.draw_selection.c.position)
    ).all()
    ta = conn.execute(
        select(db.team_assignment)
        .where(db.team_assignment.c.draw_id == draw_id)
        .order_by(db.team_assignment.c.id)
    ).all()
    rec_path = Path(row.folder) / "record.json"
    if previous is None and rec_path.exists():
        previous = json.loads(rec_path.read_text(encoding="utf-8")).get("previous_inspectors")
    original = {}
    for a in ta:
        if a.replaces is None:
            original.setdefault(a.uscc, []).append(a.inspector_id)
    current = {}
    for a in ta:
        if a.active:
            current.setdefault(a.uscc, []).append((a.role != "lead", a.rank, a.inspector_id))
    rec = {
        "algorithm": draw.ALGORITHM,
        "draw_id": draw_id,
        "kind": row.kind,
        "year": row.year,
        "round": row.round,
        "department": row.department,
        "status": row.status,
        "params": params,
        "code_version": row.code_version,
        "pool": {"sha256": row.pool_sha256, "size": row.pool_size, "snapshot": "pool.csv"},
        "roster": {"sha256": row.roster_sha256, "snapshot": "roster.csv"},
        "commitment": row.commitment,
        "public_value": row.public_value,
        "secret": row.secret if row.status not in ("committed",) else None,
        "seed": row.seed,
        "targets": [
            {"position": s.position, "uscc": s.uscc, "stratum": s.stratum, "rank": s.rank}
            for s in sel
        ],
        "teams": [{"uscc": s.uscc, "members": original.get(s.uscc, [])} for s in sel],
        "current_teams": [
            {
                "uscc": s.uscc,
                "lead": sorted(current.get(s.uscc, []))[0][2] if current.get(s.uscc) else None,
                "members": [m[2] for m in sorted(current.get(s.uscc, []))],
            }
            for s in sel
        ],
        "previous_inspectors": {k: sorted(v) for k, v in (previous or {}).items()},
        "recusals": [
            {
                "uscc": r.uscc,
                "inspector_id": r.inspector_id,
                "decision": r.decision,
                "replacement": r.replacement,
                "decided_at": r.decided_at.isoformat() + "Z" if r.decided_at else None,
            }
            for r in conn.execute(
                select(db.recusal).where(db.recusal.c.draw_id == draw_id).order_by(db.recusal.c.id)
            )
        ],
        "refusal": row.refusal,
        "redraw_of": row.redraw_of,
        "redraw_reason": row.redraw_reason,
        "decision": {
            "by": row.decided_by,
            "at": row.decided_at.isoformat() + "Z" if row.decided_at else None,
            "reason": row.decision_reason,
        },
    }
    return rec


def _write_record(conn: Connection, draw_id: str, previous: dict | None = None) -> dict:
    """Rebuild the record and write it as record.json beside the snapshots; called by the
    steps that change a draw (a committed draw has no record yet)."""
    rec = record(conn, draw_id, previous=previous)
    if rec["status"] != "committed":
        _write(
            Path(_row(conn, draw_id).folder) / "record.json",
            json.dumps(rec, ensure_ascii=False, indent=2) + "\n",
        )
    return rec


def decide(
    engine: Engine, draw_id: str, *, approved: bool, by: str, reason: str = "", now: dt.datetime
) -> dict:
    """The 分管领导's decision on a drawn draw. A rejection closes it: a re-draw is a new
    draw naming this one (Spec.redraw_of). Deciding twice keeps the first decision."""
    with engine.begin() as conn:
        row = _row(conn, draw_id)
        if row.status == "drawn":
            if not approved and not reason.strip():
                reason = "（未填写理由）"
            status = "approved" if approved else "rejected"
            conn.execute(
                db.draw.update()
                .where(db.draw.c.draw_id == draw_id)
                .values(status=status, decided_at=now, decided_by=by, decision_reason=reason)
            )
            audit.record(
                conn,
                f"draw.{status}",
                {"draw_id": draw_id, "reason": reason},
                actor=by,
                entity="draw",
                entity_key=draw_id,
                now=now,
            )
        return _write_record(conn, draw_id)


def summary_markdown(conn: Connection, draw_id: str) -> str:
    """What the 分管领导 reads before approving: strata, teams, the year's progress."""
    rec = record(conn, draw_id)
    p = rec["params"]
    key = sum(t["stratum"] == draw.KEY for t in rec["targets"])
    n = len(rec["targets"])
    lines = [
        f"**抽查任务 {draw_id}**（{rec['kind']}，{rec['department']}，{rec['year']}年"
        + (f"第{rec['round']}次" if rec["round"] else "")
        + "）",
        "",
        f"- 候选名录：{rec['pool']['size']} 家，SHA-256 `{rec['pool']['sha256'][:16]}…`",
        f"- 抽取：{n} 家，其中重点行业领域/重点企业 {key} 家（{key / max(n, 1):.0%}，"
        f"要求不低于 {p['key_share']:.0%}）",
        f"- 检查日期：{p['inspection_date']}，每组 {p['team_size']} 人",
        f"- 种子承诺 `{rec['commitment'][:16]}…`，种子 `{(rec['seed'] or '')[:16]}…`",
    ]
    progress = year_progress(conn, rec["year"], rec["department"])
    if progress:
        lines.append(
            f"- 本年度随机抽查已覆盖 {progress['drawn']} 家，占年度计划 "
            f"{progress['planned']} 家的 {progress['share']:.0%}（要求不低于 30%）"
        )
    if p.get("allow_shortfall") and key / max(n, 1) < p["key_share"]:
        lines.append(f"- **注意：重点企业比例不足 {p['key_share']:.0%}，须经分管领导批准**")
    lines += ["", "| 序号 | 统一社会信用代码 | 类别 | 检查组（组长在前） |", "|---|---|---|---|"]
    teams = {t["uscc"]: t for t in rec["current_teams"]}
    for t in rec["targets"][:200]:
        lines.append(
            f"| {t['position']} | {t['uscc']} | "
            f"{'重点' if t['stratum'] == draw.KEY else '一般'} | "
            f"{'、'.join(teams[t['uscc']]['members'])} |"
        )
    if n > 200:
        lines.append(f"| … | 共 {n} 家，完整名单见 record.json | | |")
    return "\n".join(lines)


def year_progress(conn: Connection, year: int, department: str) -> dict | None:
    """The plan's yearly >= 30%: distinct units drawn at random this year vs planned."""
    plan = next(iter(plans.load(conn, year, department)), None)
    if plan is None:
        return None
    s, d = db.draw_selection, db.draw
    drawn = conn.execute(
        select(func.count(func.distinct(s.c.uscc)))
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.year == year, d.c.department == department, d.c.status.in_(LIVE))
    ).scalar_one()
    return {
        "drawn": drawn,
        "planned": plan.planned_units,
        "share": drawn / plan.planned_units,
        "target": plan.random_share,
    }


# --- recusal (回避) after the draw -----------------------------------------------------


class RecusalInvalid(ValueError):
    """A recusal request that cannot stand (wrong draw, unit or inspector)."""


def request_recusal(
    engine: Engine,
    *,
    draw_id: str,
    uscc: str,
    inspector_id: str,
    reason: str,
    origin: str,
    now: dt.datetime,
    actor: str,
) -> int:
    """Record an inspector's recusal request; the 分管领导 decides it (decide_recusal)."""
    if not reason.strip():
        raise RecusalInvalid("a recusal request must give its reason (回避事由)")
    with engine.begin() as conn:
        existing = conn.execute(
            select(db.recusal.c.id).where(db.recusal.c.origin == origin)
        ).scalar()
        if existing:
            return existing
        row = _row(conn, draw_id)
        if row.status not in ("drawn", "approved", "notified", "in_progress"):
            raise RecusalInvalid(f"draw {draw_id} is {row.status}: no team to recuse from")
        on_team = conn.execute(
            select(db.team_assignment.c.id).where(
                db.team_assignment.c.draw_id == draw_id,
                db.team_assignment.c.uscc == uscc,
                db.team_assignment.c.inspector_id == inspector_id,
                db.team_assignment.c.active,
            )
        ).scalar()
        if on_team is None:
            raise RecusalInvalid(f"{inspector_id} is not on the team for {uscc} in {draw_id}")
        rid = conn.execute(
            db.recusal.insert().values(
                origin=origin,
                draw_id=draw_id,
                uscc=uscc,
                inspector_id=inspector_id,
                reason=reason,
                requested_at=now,
            )
        ).inserted_primary_key[0]
        audit.record(
            conn,
            "recusal.requested",
            {"draw_id": draw_id, "uscc": uscc, "inspector_id": inspector_id, "reason": reason},
            actor=actor,
            entity="recusal",
            entity_key=str(rid),
            now=now,
        )
    return rid


def decide_recusal(
    engine: Engine, recusal_id: int, *, approved: bool, by: str, reason: str = "", now: dt.datetime
) -> dict:
    """Rule on a recusal. Approved: the inspector leaves the team and the next eligible
    inspector in rank order takes his place (and role); all recorded. Idempotent."""
    r_t, t = db.recusal, db.team_assignment
    with engine.begin() as conn:
        req = conn.execute(select(r_t).where(r_t.c.id == recusal_id)).first()
        unfilled = None
        if req.decision is None:
            replacement = None
            if approved:
                try:
                    replacement = _replace(conn, req, now)
                except draw.TeamImpossible as e:
                    # The recusal stands; the team is short and must be drawn again.
                    unfilled = e
                    conn.execute(
                        t.update()
                        .where(
                            t.c.draw_id == req.draw_id,
                            t.c.uscc == req.uscc,
                            t.c.inspector_id == req.inspector_id,
                            t.c.active,
                        )
                        .values(active=False)
                    )
                    reason = f"{reason}（无符合条件的替补人员，须重新抽取该单位检查组）".lstrip()
            conn.execute(
                r_t.update()
                .where(r_t.c.id == recusal_id)
                .values(
                    decision="approved" if approved else "rejected",
                    decided_by=by,
                    decided_at=now,
                    decision_reason=reason,
                    replacement=replacement,
                )
            )
            audit.record(
                conn,
                "recusal.approved" if approved else "recusal.rejected",
                {
                    "recusal_id": recusal_id,
                    "draw_id": req.draw_id,
                    "uscc": req.uscc,
                    "inspector_id": req.inspector_id,
                    "replacement": replacement,
                    "reason": reason,
                },
                actor=by,
                entity="recusal",
                entity_key=str(recusal_id),
                now=now,
            )
        _write_record(conn, req.draw_id)
        req = conn.execute(select(r_t).where(r_t.c.id == recusal_id)).first()
    if unfilled:
        raise unfilled
    return dict(req._mapping)


def _replace(conn: Connection, req, now: dt.datetime) -> str:
    row = _row(conn, req.draw_id)
    params = json.loads(row.params)
    folder = Path(row.folder)
    units = {u.uscc: u for u in draw.parse_pool((folder / "pool.csv").read_text("utf-8"))}
    roster, conflicts = draw.parse_roster((folder / "roster.csv").read_text("utf-8"))
    t = db.team_assignment
    active = conn.execute(select(t).where(t.c.draw_id == req.draw_id, t.c.active)).all()
    members = [a.inspector_id for a in active if a.uscc == req.uscc]
    drawn = conn.execute(
        select(db.draw_selection.c.uscc).where(db.draw_selection.c.draw_id == req.draw_id)
    ).scalars()
    on = dt.date.fromisoformat(params["inspection_date"])
    cap = draw.team_cap(
        params["max_per_inspector"], [units[u] for u in drawn], params["team_size"], roster, on
    )
    load: dict[str, int] = {}
    for a in active:
        load[a.inspector_id] = load.get(a.inspector_id, 0) + 1
    recused_before = set(
        conn.execute(
            select(db.recusal.c.inspector_id).where(
                db.recusal.c.draw_id == req.draw_id,
                db.recusal.c.uscc == req.uscc,
                db.recusal.c.decision == "approved",
            )
        ).scalars()
    )
    excluded = recused_before | {i for i, n in load.items() if n >= cap}
    rec_path = folder / "record.json"
    previous = (
        set(json.loads(rec_path.read_text("utf-8"))["previous_inspectors"].get(req.uscc, []))
        if rec_path.exists()
        else set()
    )
    new = draw.replacement(
        members,
        req.inspector_id,
        units[req.uscc],
        roster,
        conflicts,
        row.seed,
        on,
        previous,
        excluded,
    )
    leaving = next(a for a in active if a.uscc == req.uscc and a.inspector_id == req.inspector_id)
    conn.execute(t.update().where(t.c.id == leaving.id).values(active=False))
    conn.execute(
        t.insert().values(
            draw_id=req.draw_id,
            uscc=req.uscc,
            inspector_id=new,
            role=leaving.role,
            rank=draw.inspector_rank(row.seed, req.uscc, new),
            checklist_version=leaving.checklist_version,
            active=True,
            replaces=leaving.id,
            created_at=now,
        )
    )
    return new
