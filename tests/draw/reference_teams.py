"""The teams of a draw (抽取执法检查人员) as docs/draw-algorithm.md §6 describes them,
written from the text alone, not from shuangsui.draw.algorithm: a second implementation
that test_teams_reference.py holds the package's assign_teams to.

Deliberately plain: every inspector of the roster is ranked for every unit, in the order
the text gives the rules. Test-only code, standard library only."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """One line of the roster section of roster.csv (§4)."""

    inspector_id: str
    department: str
    industries: frozenset[str]
    cert_expiry: dt.date
    active: bool


@dataclass(frozen=True)
class Place:
    """A drawn unit: its USCC, 科室 and industry (from pool.csv)."""

    uscc: str
    department: str
    industry: str


class Refused(Exception):
    """The draw is refused at the team stage (§6.5, or a team size below 2)."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def qualified(p: Person, unit: Place, on: dt.date) -> bool:
    """§6.1 without the conflict part: on duty, 执法证 valid on the inspection date, and in
    the unit's 科室 or qualified for its industry."""
    return (
        p.active
        and p.cert_expiry >= on
        and (p.department == unit.department or unit.industry in p.industries)
    )


def ordered_eligible(
    unit: Place,
    roster: list[Person],
    conflicts: set[tuple[str, str]],
    previous: set[str],
    seed: str,
    on: dt.date,
) -> list[str]:
    """§6.1 and §6.2: the unit's eligible inspectors, those not on its previous team first,
    then each group by SHA256(seed|uscc|inspector_id), then by id."""
    eligible = [
        p.inspector_id
        for p in roster
        if qualified(p, unit, on) and (p.inspector_id, unit.uscc) not in conflicts
    ]
    return sorted(
        eligible,
        key=lambda iid: (iid in previous, sha256(f"{seed}|{unit.uscc}|{iid}"), iid),
    )


def cap_of(given: int | None, drawn: list[Place], team_size: int, roster: list[Person], on):
    """§6.3: the cap as given, else max(1, ceil(5·n·team_size / (4·max(Q, 1)))) in integers,
    Q = roster inspectors qualified for at least one drawn unit."""
    if given is not None:
        return given
    q = sum(1 for p in roster if any(qualified(p, u, on) for u in drawn))
    numerator, denominator = 5 * len(drawn) * team_size, 4 * max(q, 1)
    return max(1, -(-numerator // denominator))  # integer ceiling


def teams(
    drawn: list[Place],
    roster: list[Person],
    conflicts: set[tuple[str, str]],
    seed: str,
    *,
    team_size: int,
    on: dt.date,
    cap: int | None = None,
    previous: dict[str, set[str]] | None = None,
) -> list[tuple[str, list[str]]]:
    """§6.4: (uscc, members, lead first) per drawn unit, in position order; raises Refused
    with the message of §6.5."""
    if team_size < 2:
        raise Refused(
            f"R2 (行政处罚法 第四十二条): a team needs at least 2 inspectors, "
            f"got team size {team_size}"
        )
    previous = previous or {}
    limit = cap_of(cap, drawn, team_size, roster, on)
    load: dict[str, int] = {}
    out = []
    for unit in drawn:
        order = ordered_eligible(unit, roster, conflicts, previous.get(unit.uscc, set()), seed, on)
        free = [iid for iid in order if load.get(iid, 0) < limit]
        if len(free) < team_size:
            excluded = sum(
                1
                for p in roster
                if (p.inspector_id, unit.uscc) in conflicts and qualified(p, unit, on)
            )
            raise Refused(
                f"unit {unit.uscc} ({unit.department}, {unit.industry}): {len(order)} eligible "
                f"inspectors ({excluded} more excluded by 回避), {len(order) - len(free)} of "
                f"them already at the cap of {limit} per draw; a team needs {team_size}"
            )
        members = free[:team_size]
        for iid in members:
            load[iid] = load.get(iid, 0) + 1
        out.append((unit.uscc, members))
    return out
