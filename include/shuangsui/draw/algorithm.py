"""The verifiable draw (可验证的随机抽取): the algorithm alone, with no database, so that
anyone can re-run it from a published record (see docs/draw-algorithm.md).

  commitment = SHA-256(secret)                       published before the draw
  seed       = SHA-256(secret "|" public_value)      published after the draw
  unit rank  = SHA-256(seed "|" draw_id "|" uscc)    lowest ranks are drawn, per stratum
  inspector rank for a unit = SHA-256(seed "|" uscc "|" inspector_id)

All hashes are lowercase hex of SHA-256 over UTF-8 text. Orders never depend on the order
rows come from a database; ties (impossible in practice) break on the identifier.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import heapq
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, repeat, starmap
from typing import cast

from shuangsui.core.hashing import gc_paused, sha256_hex

ALGORITHM = "shuangsui-draw-v1"
KEY, OTHER = "K", "O"  # strata: key industries or key enterprises (第五条), and the rest


_HASH = type(hashlib.sha256())
_update, _digest = _HASH.update, _HASH.digest


def _digests(prefix, tails: list[bytes]) -> list[bytes]:
    """Raw SHA-256 of prefix + tail for each tail, in order. `prefix` is a hash object that
    has already eaten the common prefix: copying its state saves hashing the prefix again,
    and the maps keep the per-hash work in C. Raw digests sort like their lowercase hex
    (each byte is two hex digits, 0-9 before a-f), so ranks compare without the hex."""
    hashes = list(starmap(prefix.copy, repeat((), len(tails))))
    deque(map(_update, hashes, tails), maxlen=0)
    return list(map(_digest, hashes))


def _digest_stream(prefix, texts: list[str], chunk: int = 16384):
    """_digests of many texts, a chunk at a time (bounded memory), as one iterator."""
    return chain.from_iterable(
        _digests(prefix, [t.encode("utf-8") for t in texts[i : i + chunk]])
        for i in range(0, len(texts), chunk)
    )


def commitment(secret: str) -> str:
    """What is published before the draw: binds the bureau to its secret."""
    return sha256_hex(secret)


def seed(secret: str, public_value: str = "", source_id: str | None = None) -> str:
    """The draw's seed: the secret mixed with a public random value (RFC 3797's idea).
    A two-phase draw names its future source at commit: SHA-256(secret|source id|value);
    a draw committed with its value already given (before sources existed):
    SHA-256(secret|value)."""
    if source_id:
        return sha256_hex(f"{secret}|{source_id}|{public_value}")
    return sha256_hex(f"{secret}|{public_value}")


# --- the pool --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Unit:
    uscc: str
    stratum: str  # KEY or OTHER
    department: str
    industry: str


POOL_HEADER = "uscc,stratum,department,industry"


def _field(value: str) -> str:
    if any(ch in value for ch in ",\n\r"):
        raise ValueError(f"a snapshot field may not contain a comma or newline: {value!r}")
    return value


def pool_snapshot(units: list[Unit]) -> str:
    """The canonical serialization of a pool: a header, then one line per unit sorted by
    USCC, fields joined by commas, every line ending in a newline."""
    for u in units:
        for v in (u.uscc, u.stratum, u.department, u.industry):
            if "," in v or "\n" in v or "\r" in v:  # _field's test, inline: 10x faster
                _field(v)
    lines = [POOL_HEADER] + [
        f"{u.uscc},{u.stratum},{u.department},{u.industry}" for u in sorted(units)
    ]
    return "\n".join(lines) + "\n"


def parse_pool(text: str) -> list[Unit]:
    lines = text.split("\n")
    if lines[0] != POOL_HEADER:
        raise ValueError(f"not a pool snapshot: first line is {lines[0]!r}")
    # The common case in one comprehension (a line of 3 or 5 fields raises Unit's TypeError,
    # then the loop below says which line). The cyclic garbage collector is paused: it would
    # rescan the growing list of units again and again (twice the time for 10^6 units).
    with gc_paused(), contextlib.suppress(TypeError):
        return [Unit(*line.split(",")) for line in lines[1:] if line]
    units = []
    for n, line in enumerate(lines[1:], 2):
        if line:
            fields = line.split(",")
            if len(fields) != 4:
                raise ValueError(f"pool snapshot line {n}: expected 4 fields, got {line!r}")
            units.append(Unit(*fields))
    return units


# --- targets ---------------------------------------------------------------------------


class DrawRefused(ValueError):
    """The pool cannot meet a rule: the message names the rule and the shortfall."""


@dataclass(frozen=True)
class Target:
    uscc: str
    stratum: str
    rank: str  # the unit's rank hash
    position: int  # 1 = first drawn


def unit_rank(seed_hex: str, draw_id: str, uscc: str) -> str:
    return sha256_hex(f"{seed_hex}|{draw_id}|{uscc}")


def key_quota(n: int, key_share: float) -> int:
    """Key units needed among n drawn: ceil(n * key_share) (第七条(三): at least 50%)."""
    return math.ceil(round(n * key_share, 9))


def select_targets(
    units: list[Unit],
    seed_hex: str,
    draw_id: str,
    n: int,
    key_share: float = 0.5,
    allow_shortfall: bool = False,
) -> list[Target]:
    """Draw n units: the key quota from the key stratum and the rest from the other
    stratum, lowest ranks first; if the other stratum runs short, key units fill in.
    Refuses (DrawRefused) when the pool is too small or the key stratum cannot meet the
    quota, unless allow_shortfall (the 分管领导 then approves it knowingly)."""
    if n < 1:
        raise DrawRefused(f"R1: the number of units to draw must be at least 1, got {n}")
    strata: dict[str, list[str]] = {KEY: [], OTHER: []}
    for u in units:
        strata[u.stratum].append(u.uscc)
    if len(set(strata[KEY]).union(strata[OTHER])) != len(units):
        raise DrawRefused("R1: a unit appears twice in the pool; a pool lists each unit once")
    total = len(strata[KEY]) + len(strata[OTHER])
    if total < n:
        raise DrawRefused(
            f"R1 (第七条(一)): the pool has {total} units, {n} were asked for "
            f"(short by {n - total})"
        )
    need_key = key_quota(n, key_share)
    if len(strata[KEY]) < need_key and not allow_shortfall:
        raise DrawRefused(
            f"R4 (第七条(三)): {need_key} of {n} drawn units must be key-industry or key "
            f"enterprises ({key_share:.0%}), the pool has only {len(strata[KEY])} "
            f"(short by {need_key - len(strata[KEY])})"
        )

    prefix = hashlib.sha256(f"{seed_hex}|{draw_id}|".encode())

    def lowest(usccs, k):
        # (raw digest, uscc) sorts as (unit_rank hex, uscc); the hex only for those drawn
        ranked = zip(_digest_stream(prefix, usccs), usccs)
        return [(d.hex(), c) for d, c in heapq.nsmallest(k, ranked)]

    key = lowest(strata[KEY], n)  # enough to fill in for a short other stratum
    take_key = key[:need_key]
    other = lowest(strata[OTHER], n - len(take_key))
    take_key = key[: n - len(other)]
    picked = sorted([(r, c, KEY) for r, c in take_key] + [(r, c, OTHER) for r, c in other])
    return [Target(c, s, r, i) for i, (r, c, s) in enumerate(picked, 1)]


# --- teams -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspector:
    inspector_id: str
    department: str
    industries: frozenset[str]
    cert_expiry: dt.date
    active: bool

    def qualified(self, unit: Unit, on: dt.date) -> bool:
        """In the unit's 科室 or qualified for its industry, on duty, 执法证 valid on `on`."""
        return (
            self.active
            and self.cert_expiry >= on
            and (self.department == unit.department or unit.industry in self.industries)
        )


ROSTER_HEADER = "inspector_id,department,industries,cert_expiry,active"


def roster_snapshot(roster: list[Inspector], conflicts: set[tuple[str, str]]) -> str:
    """Canonical roster and conflicts (回避关系: inspector_id, uscc), sorted, for the record."""
    for i in roster:
        _field(i.inspector_id), _field(i.department), [_field(x) for x in i.industries]
    lines = [ROSTER_HEADER] + [
        f"{i.inspector_id},{i.department},{'、'.join(sorted(i.industries))},"
        f"{i.cert_expiry.isoformat()},{int(i.active)}"
        for i in sorted(roster, key=lambda i: i.inspector_id)
    ]
    lines += ["conflicts:inspector_id,uscc"] + [f"{a},{b}" for a, b in sorted(conflicts)]
    return "\n".join(lines) + "\n"


def parse_roster(text: str) -> tuple[list[Inspector], set[tuple[str, str]]]:
    lines = text.split("\n")
    if lines[0] != ROSTER_HEADER:
        raise ValueError(f"not a roster snapshot: first line is {lines[0]!r}")
    split = lines.index("conflicts:inspector_id,uscc")
    roster = []
    for line in lines[1:split]:
        iid, dep, inds, exp, act = line.split(",")
        roster.append(
            Inspector(
                iid,
                dep,
                frozenset(p for p in inds.split("、") if p),
                dt.date.fromisoformat(exp),
                act == "1",
            )
        )
    conflicts = cast(
        set[tuple[str, str]], {tuple(line.split(",")) for line in lines[split + 1 :] if line}
    )
    return roster, conflicts


class TeamImpossible(ValueError):
    """No valid team for a unit: the message names the unit and why."""


@dataclass
class Team:
    uscc: str
    members: list[str]  # in rank order; members[0] leads (组长)
    ranks: dict[str, str] = field(default_factory=dict)

    @property
    def lead(self) -> str:
        return self.members[0]


def inspector_rank(seed_hex: str, uscc: str, inspector_id: str) -> str:
    return sha256_hex(f"{seed_hex}|{uscc}|{inspector_id}")


def default_cap(units: int, team_size: int, inspectors: int) -> int:
    """Work spread (一人一次抽查的上限): a quarter above the even share, at least 1."""
    return max(1, math.ceil(1.25 * units * team_size / max(inspectors, 1)))


def team_cap(
    cap: int | None, drawn: list[Unit], team_size: int, roster: list[Inspector], on: dt.date
) -> int:
    """The cap per inspector in a draw: as asked, or default_cap over the inspectors
    qualified for at least one drawn unit."""
    if cap is not None:
        return cap
    # qualified() looks at a unit's 科室 and industry only: one unit of each pair will do
    kinds = list({(u.department, u.industry): u for u in drawn}.values())
    qualified = sum(1 for i in roster if any(i.qualified(u, on) for u in kinds))
    return default_cap(len(drawn), team_size, qualified)


def candidates(
    unit: Unit,
    roster: list[Inspector],
    conflicts: set[tuple[str, str]],
    previous: set[str],
    seed_hex: str,
    on: dt.date,
) -> list[tuple[bool, str, str]]:
    """Eligible inspectors for a unit in the order they are asked: those who did not
    inspect it last time first, then by rank. Conflicted ones are never candidates (R3)."""
    out = []
    for i in roster:
        if i.qualified(unit, on) and (i.inspector_id, unit.uscc) not in conflicts:
            out.append(
                (
                    i.inspector_id in previous,
                    inspector_rank(seed_hex, unit.uscc, i.inspector_id),
                    i.inspector_id,
                )
            )
    out.sort()
    return out


def assign_teams(
    targets: list[Target],
    units: dict[str, Unit],
    roster: list[Inspector],
    conflicts: set[tuple[str, str]],
    seed_hex: str,
    *,
    team_size: int,
    on: dt.date,
    cap: int | None = None,
    previous: dict[str, set[str]] | None = None,
) -> list[Team]:
    """A team for every drawn unit, in the order the units were drawn (R2, R3)."""
    if team_size < 2:
        raise TeamImpossible(
            f"R2 (行政处罚法 第四十二条): a team needs at least 2 "
            f"inspectors, got team size {team_size}"
        )
    previous = previous or {}
    cap = team_cap(cap, [units[t.uscc] for t in targets], team_size, roster, on)
    # The same choice as taking, for each unit in turn, the first team_size candidates
    # (candidates()) below the cap, without ranking every inspector of the roster for every
    # unit: the inspectors qualified for a (科室, industry) pair are found once; those at
    # the cap are dropped from them as they reach it (they cannot be chosen any more);
    # conflicts are looked up per unit; only the free qualified inspectors are ranked, with
    # raw digests, and only the team_size lowest are taken (heapq), in candidates() order:
    # (asked last time, rank, inspector id).
    wanted = {t.uscc for t in targets}
    barred: dict[str, set[str]] = {}
    for pair in conflicts:
        if isinstance(pair, tuple) and len(pair) == 2 and pair[1] in wanted:
            barred.setdefault(pair[1], set()).add(pair[0])
    groups: dict[tuple[str, str], list] = {}  # pair -> [full_seen, ids, ids as bytes]
    full: set[str] = set()  # inspectors at the cap
    seed_state = hashlib.sha256(seed_hex.encode("utf-8"))
    load: dict[str, int] = {}
    teams = []
    for t in targets:
        unit = units[t.uscc]
        g = groups.get((unit.department, unit.industry))
        if g is None:
            ids = [i.inspector_id for i in roster if i.qualified(unit, on)]
            g = groups[(unit.department, unit.industry)] = [-1, ids, None]
        if g[0] != len(full):  # someone reached the cap since: drop them
            g[1] = [iid for iid in g[1] if iid not in full]
            g[2] = [iid.encode("utf-8") for iid in g[1]]
            g[0] = len(full)
        ids = g[1] if cap > 0 else []
        prefix = seed_state.copy()
        prefix.update(f"|{t.uscc}|".encode())
        ranked = zip(_digests(prefix, g[2] if cap > 0 else []), ids)
        bar, prev = barred.get(t.uscc), previous.get(t.uscc)
        if bar or prev:
            barred_here, asked_before = bar or (), prev or ()
            flagged = [(iid in asked_before, d, iid) for d, iid in ranked if iid not in barred_here]
            chosen = [(d, iid) for _, d, iid in heapq.nsmallest(team_size, flagged)]
        else:
            chosen = heapq.nsmallest(team_size, ranked)
        if len(chosen) < team_size:
            cands = candidates(unit, roster, conflicts, previous.get(t.uscc, set()), seed_hex, on)
            free = [iid for _, _, iid in cands if load.get(iid, 0) < cap][:team_size]
            conflicted = sum(
                1 for i in roster if (i.inspector_id, t.uscc) in conflicts and i.qualified(unit, on)
            )
            raise TeamImpossible(
                f"unit {t.uscc} ({unit.department}, {unit.industry}): {len(cands)} eligible "
                f"inspectors ({conflicted} more excluded by 回避), "
                f"{len(cands) - len(free)} of them already at the cap of {cap} per draw; "
                f"a team needs {team_size}"
            )
        picked = [(d.hex(), iid) for d, iid in chosen]
        for _, iid in picked:
            load[iid] = load.get(iid, 0) + 1
            if load[iid] >= cap:
                full.add(iid)
        teams.append(Team(t.uscc, [iid for _, iid in picked], {iid: r for r, iid in picked}))
    return teams


def replacement(
    members: list[str],
    leaving: str,
    unit: Unit,
    roster: list[Inspector],
    conflicts: set[tuple[str, str]],
    seed_hex: str,
    on: dt.date,
    previous: set[str],
    excluded: set[str],
) -> str:
    """After an approved recusal (R3): the next eligible inspector in the unit's candidate
    order who is not on the team and not excluded (inspectors recused from this unit
    before, and those already at the draw's cap)."""
    for _, _, iid in candidates(unit, roster, conflicts, previous, seed_hex, on):
        if iid not in members and iid != leaving and iid not in excluded:
            return iid
    raise TeamImpossible(f"unit {unit.uscc}: no eligible inspector left to replace {leaving}")


def replacement_after_recusal(
    teams_now: dict[str, list[str]],
    uscc: str,
    leaving: str,
    unit: Unit,
    roster: list[Inspector],
    conflicts: set[tuple[str, str]],
    seed_hex: str,
    on: dt.date,
    previous: set[str],
    recused_before: set[str],
    cap: int,
) -> str:
    """The replacement for `leaving` on `uscc`'s team, with the teams as they stand: the
    next eligible inspector (replacement) who was not recused from this unit before and is
    not already at the draw's cap. The one rule for the lifecycle and for verify."""
    load = Counter(m for members in teams_now.values() for m in members)
    excluded = recused_before | {m for m, k in load.items() if k >= cap}
    return replacement(
        teams_now[uscc], leaving, unit, roster, conflicts, seed_hex, on, previous, excluded
    )


def team_order(members: Iterable[tuple[str, bool, str]]) -> list[str]:
    """A team as it is listed everywhere: the lead (组长) first, then by rank hash, then by
    id. `members` are (inspector_id, is_lead, rank)."""
    return [iid for _, _, iid in sorted((not lead, rank, iid) for iid, lead, rank in members)]
