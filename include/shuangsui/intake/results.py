"""Inspection results (检查结果): what inspectors found at the drawn units, brought in by
the intake pipeline (shuangsui.intake.pipeline) like the directories, never as a full
snapshot: a result missing from today's file still stands.

A result is checked against the draws: its unit must be in the selection of an approved
draw, its dates after that draw, its items in the checklist (随机抽查事项清单).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from shuangsui import db
from shuangsui.core.clock import china_date
from shuangsui.core.reference import ISSUED


def check_context(conn: Connection) -> dict:
    """What results are checked against (quality.check's keyword arguments): the units of
    approved draws (and on: notified, in progress, closed), their draw dates, the
    checklist's item codes. A draw's date is its day in China (drawn_at is naive UTC)."""
    d, s = db.draw, db.draw_selection
    rows = conn.execute(
        select(s.c.draw_id, s.c.uscc)
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.status.in_(ISSUED))
    ).all()
    dates = {
        r.draw_id: china_date(r.drawn_at).isoformat()
        for r in conn.execute(select(d.c.draw_id, d.c.drawn_at).where(d.c.status.in_(ISSUED)))
    }
    items = conn.execute(select(db.checklist_item.c.code).distinct()).scalars().all()
    return {
        "known_assignments": [f"{a}|{b}" for a, b in rows],
        "draw_dates": dates,
        "known_items": items,
    }
