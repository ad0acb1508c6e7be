"""A draw's record (抽查记录): the one typed value every reader of a draw uses — the
approval summary, the notices, the mail, the public site — built by one function from the
database. `DrawRecord.to_json()` is record.json as published beside the snapshots."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from shuangsui import db
from shuangsui.core.clock import iso_utc
from shuangsui.core.reference import DrawStatus
from shuangsui.draw import algorithm


@dataclass(frozen=True)
class Selection:
    """A drawn unit (抽中单位): its stratum, rank hash and position (1 = first drawn)."""

    position: int
    uscc: str
    stratum: str
    rank: str


@dataclass(frozen=True)
class Assignment:
    """An inspector on a unit's team; a replacement names the assignment it replaces."""

    id: int
    uscc: str
    inspector_id: str
    role: str  # "lead" (组长) or "member"
    rank: str
    checklist_version: int
    active: bool
    replaces: int | None

    @property
    def lead(self) -> bool:
        return self.role == "lead"


@dataclass(frozen=True)
class Recusal:
    """A recusal request (回避申请) and the 分管领导's decision on it."""

    id: int
    uscc: str
    inspector_id: str
    reason: str
    requested_at: dt.datetime
    decision: str | None  # "approved", "rejected", or None while pending
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    replacement: str | None

    @property
    def approved(self) -> bool:
        return self.decision == "approved"


@dataclass(frozen=True)
class DrawRecord:
    """Everything known of one draw, as stored."""

    draw_id: str
    origin: str
    year: int
    round: int | None
    kind: str
    department: str
    params: dict[str, Any]
    status: DrawStatus
    pool_sha256: str
    pool_size: int
    roster_sha256: str
    commitment: str
    secret: str
    public_value: str
    seed: str | None
    code_version: str
    folder: Path
    created_at: dt.datetime
    drawn_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str | None
    redraw_of: str | None
    redraw_reason: str | None
    refusal: str | None
    public_source: dict[str, Any] | None  # named at commit (two-phase draws)
    value_entered_at: dt.datetime | None
    value_entered_by: str | None
    value_confirmed_by: str | None
    abandoned_reason: str | None
    targets: tuple[Selection, ...]
    assignments: tuple[Assignment, ...]  # in the order they were made
    recusals: tuple[Recusal, ...]  # in the order they were requested
    previous_inspectors: dict[str, list[str]]  # unit -> last time's team (asked last)

    @property
    def inspection_date(self) -> dt.date:
        return dt.date.fromisoformat(self.params["inspection_date"])

    def original_teams(self) -> dict[str, list[str]]:
        """Each unit's team as drawn, in rank order (the lead first)."""
        out: dict[str, list[str]] = {}
        for a in self.assignments:
            if a.replaces is None:
                out.setdefault(a.uscc, []).append(a.inspector_id)
        return out

    def current_teams(self) -> dict[str, list[str]]:
        """Each unit's team now, after the approved recusals: lead first, then by rank."""
        members: dict[str, list[tuple[str, bool, str]]] = {}
        for a in self.assignments:
            if a.active:
                members.setdefault(a.uscc, []).append((a.inspector_id, a.lead, a.rank))
        return {u: algorithm.team_order(m) for u, m in members.items()}

    def checklist_versions(self) -> dict[str, int]:
        """The checklist version each unit's current team works with (R9)."""
        return {a.uscc: a.checklist_version for a in self.assignments if a.active}

    def to_json(self) -> dict[str, Any]:
        """record.json: what anyone re-computes the draw from (`shuangsui verify`)."""
        original, current = self.original_teams(), self.current_teams()
        return {
            "algorithm": algorithm.ALGORITHM,
            "draw_id": self.draw_id,
            "kind": self.kind,
            "year": self.year,
            "round": self.round,
            "department": self.department,
            "status": str(self.status),
            "params": self.params,
            "code_version": self.code_version,
            "pool": {"sha256": self.pool_sha256, "size": self.pool_size, "snapshot": "pool.csv"},
            "roster": {"sha256": self.roster_sha256, "snapshot": "roster.csv"},
            "commitment": self.commitment,
            "public_source": self.public_source,
            "public_value": self.public_value,
            "public_value_entry": {
                "at": iso_utc(self.value_entered_at),
                "by": self.value_entered_by,
                "confirmed_by": self.value_confirmed_by,
            }
            if self.public_source
            else None,
            "abandoned_reason": self.abandoned_reason,
            "committed_at": iso_utc(self.created_at),
            "drawn_at": iso_utc(self.drawn_at),
            "secret": self.secret if self.status != DrawStatus.COMMITTED else None,
            "seed": self.seed,
            "targets": [
                {"position": s.position, "uscc": s.uscc, "stratum": s.stratum, "rank": s.rank}
                for s in self.targets
            ],
            "teams": [{"uscc": s.uscc, "members": original.get(s.uscc, [])} for s in self.targets],
            "current_teams": [
                {
                    "uscc": s.uscc,
                    "lead": current[s.uscc][0] if current.get(s.uscc) else None,
                    "members": current.get(s.uscc, []),
                }
                for s in self.targets
            ],
            "previous_inspectors": {k: sorted(v) for k, v in self.previous_inspectors.items()},
            "recusals": [
                {
                    "uscc": r.uscc,
                    "inspector_id": r.inspector_id,
                    "decision": r.decision,
                    "replacement": r.replacement,
                    "decided_at": iso_utc(r.decided_at),
                }
                for r in self.recusals
            ],
            "refusal": self.refusal,
            "redraw_of": self.redraw_of,
            "redraw_reason": self.redraw_reason,
            "decision": {
                "by": self.decided_by,
                "at": iso_utc(self.decided_at),
                "reason": self.decision_reason,
            },
        }


def load(conn: Connection, draw_id: str, previous: dict[str, set[str]] | None = None) -> DrawRecord:
    """The draw's record from the database. `previous` (last time's teams) is known when
    the draw is performed; later it is read back from the record.json then written."""
    row = conn.execute(select(db.draw).where(db.draw.c.draw_id == draw_id)).first()
    if row is None:
        raise KeyError(f"no draw {draw_id}")
    s, t, r = db.draw_selection, db.team_assignment, db.recusal
    targets = tuple(
        Selection(x.position, x.uscc, x.stratum, x.rank)
        for x in conn.execute(select(s).where(s.c.draw_id == draw_id).order_by(s.c.position))
    )
    assignments = tuple(
        Assignment(
            x.id, x.uscc, x.inspector_id, x.role, x.rank, x.checklist_version, x.active, x.replaces
        )
        for x in conn.execute(select(t).where(t.c.draw_id == draw_id).order_by(t.c.id))
    )
    recusals = tuple(
        Recusal(
            x.id,
            x.uscc,
            x.inspector_id,
            x.reason,
            x.requested_at,
            x.decision,
            x.decided_by,
            x.decided_at,
            x.decision_reason,
            x.replacement,
        )
        for x in conn.execute(select(r).where(r.c.draw_id == draw_id).order_by(r.c.id))
    )
    folder = Path(row.folder)
    if previous is None:
        written = folder / "record.json"
        if written.exists():
            stored = json.loads(written.read_text(encoding="utf-8")).get("previous_inspectors")
            previous = {k: set(v) for k, v in (stored or {}).items()}
    return DrawRecord(
        draw_id=row.draw_id,
        origin=row.origin,
        year=row.year,
        round=row.round,
        kind=row.kind,
        department=row.department,
        params=json.loads(row.params),
        status=DrawStatus(row.status),
        pool_sha256=row.pool_sha256,
        pool_size=row.pool_size,
        roster_sha256=row.roster_sha256,
        commitment=row.commitment,
        secret=row.secret,
        public_value=row.public_value,
        seed=row.seed,
        code_version=row.code_version,
        folder=folder,
        created_at=row.created_at,
        drawn_at=row.drawn_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        decision_reason=row.decision_reason,
        redraw_of=row.redraw_of,
        redraw_reason=row.redraw_reason,
        refusal=row.refusal,
        public_source=json.loads(row.public_source) if row.public_source else None,
        value_entered_at=row.value_entered_at,
        value_entered_by=row.value_entered_by,
        value_confirmed_by=row.value_confirmed_by,
        abandoned_reason=row.abandoned_reason,
        targets=targets,
        assignments=assignments,
        recusals=recusals,
        previous_inspectors={k: sorted(v) for k, v in (previous or {}).items()},
    )
