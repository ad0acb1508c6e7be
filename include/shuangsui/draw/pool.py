"""The candidate pool and the roster of a draw, read from the directories' history as they
stood at a moment (候选名录、执法人员名录), less the units that reached their yearly
frequency (第七条(四)); and last time's inspectors of each unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from shuangsui import db
from shuangsui.core.hashing import gc_paused
from shuangsui.core.reference import ACTIVE_STATUS, ISSUED, KEY_INDUSTRIES, LIVE
from shuangsui.draw import algorithm as draw
from shuangsui.draw.spec import Spec
from shuangsui.intake.directories import directory_as_of


def drawn_counts(conn: Connection, year: int) -> dict[str, int]:
    """How often each unit was drawn this year in draws that stand (not rejected)."""
    s, d = db.draw_selection, db.draw
    rows = conn.execute(
        select(s.c.uscc, func.count())
        .join(d, d.c.draw_id == s.c.draw_id)
        .where(d.c.year == year, d.c.status.in_(LIVE))
        .group_by(s.c.uscc)
    )
    return {uscc: n for uscc, n in rows}


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
    counts = drawn_counts(conn, spec.year)
    if counts:
        freq = frequency or {}
        limit = df["risk_class"].map(lambda c: freq.get(c, 1)).fillna(1)
        df = df[df["uscc"].map(counts).fillna(0) < limit]
    key = (df["industry"].isin(KEY_INDUSTRIES) | df["key_enterprise"].astype(bool)).tolist()
    # Columns as lists first: iterating a pandas string column goes element by element
    # through its __getitem__ (about 2 s for 10^6 units); the collector paused while the
    # units are made, as in draw.parse_pool.
    with gc_paused():
        return [
            draw.Unit(u, draw.KEY if k else draw.OTHER, d, i)
            for u, k, d, i in zip(
                df["uscc"].tolist(), key, df["department"].tolist(), df["industry"].tolist()
            )
        ]


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


def previous_inspectors(conn: Connection, usccs: list[str], before: str) -> dict[str, set[str]]:
    """For each unit, the team of the latest earlier approved draw that inspected it."""
    t, d = db.team_assignment, db.draw
    rows = conn.execute(
        select(t.c.uscc, t.c.inspector_id, d.c.drawn_at)
        .join(d, d.c.draw_id == t.c.draw_id)
        .where(t.c.uscc.in_(usccs), t.c.active, d.c.draw_id != before, d.c.status.in_(ISSUED))
    ).all()
    latest: dict[str, dt.datetime] = {}
    for uscc, _, at in rows:
        latest[uscc] = max(latest.get(uscc, at), at)
    out: dict[str, set[str]] = {}
    for uscc, iid, at in rows:
        if at == latest[uscc]:
            out.setdefault(uscc, set()).add(iid)
    return out
