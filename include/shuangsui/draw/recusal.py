"""Recusal (回避) after a draw (第四条(五), 第七条(二)): an inspector's request, the
分管领导's decision, and the replacement, itself drawn by rank and recorded (R3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, select

from shuangsui import audit, db
from shuangsui.core.clock import utcnow
from shuangsui.core.reference import RECUSABLE
from shuangsui.draw import algorithm as draw
from shuangsui.draw import record as records
from shuangsui.draw.lifecycle import write_record


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
        row = records.load(conn, draw_id)
        if row.status not in RECUSABLE:
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
    engine: Engine,
    recusal_id: int,
    *,
    approved: bool,
    by: str,
    user: str = "",
    reason: str = "",
    now: dt.datetime,
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
                    "decided_at": now.isoformat() + "Z",
                    "user": user,
                },
                actor=by,
                entity="recusal",
                entity_key=str(recusal_id),
                now=max(now, utcnow()),
            )
        write_record(conn, req.draw_id)
        req = conn.execute(select(r_t).where(r_t.c.id == recusal_id)).first()
    if unfilled:
        raise unfilled
    return dict(req._mapping)


def _replace(conn: Connection, req, now: dt.datetime) -> str:
    """Draw the replacement for an approved recusal and record it (the one rule:
    algorithm.replacement_after_recusal, which verify replays)."""
    rec = records.load(conn, req.draw_id)
    params = rec.params
    units = {u.uscc: u for u in draw.parse_pool((rec.folder / "pool.csv").read_text("utf-8"))}
    roster, conflicts = draw.parse_roster((rec.folder / "roster.csv").read_text("utf-8"))
    on = rec.inspection_date
    cap = draw.team_cap(
        params["max_per_inspector"],
        [units[s.uscc] for s in rec.targets],
        params["team_size"],
        roster,
        on,
    )
    recused_before = {r.inspector_id for r in rec.recusals if r.uscc == req.uscc and r.approved}
    new = draw.replacement_after_recusal(
        rec.current_teams(),
        req.uscc,
        req.inspector_id,
        units[req.uscc],
        roster,
        conflicts,
        rec.seed,
        on,
        set(rec.previous_inspectors.get(req.uscc, [])),
        recused_before,
        cap,
    )
    leaving = next(
        a
        for a in rec.assignments
        if a.active and a.uscc == req.uscc and a.inspector_id == req.inspector_id
    )
    t = db.team_assignment
    conn.execute(t.update().where(t.c.id == leaving.id).values(active=False))
    conn.execute(
        t.insert().values(
            draw_id=req.draw_id,
            uscc=req.uscc,
            inspector_id=new,
            role=leaving.role,
            rank=draw.inspector_rank(rec.seed, req.uscc, new),
            checklist_version=leaving.checklist_version,
            active=True,
            replaces=leaving.id,
            created_at=now,
        )
    )
    return new
