"""Verify a published draw (验证抽查结果): re-compute it from record.json and the frozen
pool and roster snapshots beside it, and say what matches and what does not.

Uses only shuangsui.draw.algorithm (the pure algorithm), never the database, so anyone holding the
published files gets the same answer as the bureau. docs/draw-algorithm.md describes the
algorithm well enough to re-implement it without this package."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shuangsui.draw import algorithm as draw

APPROVED = ("approved", "回避")  # a recusal the 分管领导 granted
HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    skipped: bool = False  # could not be checked (a file is missing)

    def line(self) -> str:
        mark = "SKIP" if self.skipped else ("PASS" if self.ok else "FAIL")
        return f"{mark}  {self.name}: {self.detail}"


@dataclass
class Verification:
    record_path: Path
    draw_id: str | None = None
    status: str | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed (skipped checks do not fail a draw)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def lines(self) -> list[str]:
        """One line per check, then MATCH or MISMATCH: what `shuangsui verify` prints."""
        return [c.line() for c in self.checks] + ["MATCH" if self.ok else "MISMATCH"]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def add(self, name: str, ok: bool, detail: str, skipped: bool = False) -> Check:
        c = Check(name, ok, detail, skipped)
        self.checks.append(c)
        return c


@contextmanager
def _no_gc():
    """Parsing a 10^6-unit pool creates millions of small objects; the cyclic garbage
    collector would rescan them again and again (it more than doubles the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _short(h: str | None) -> str:
    return f"{h[:16]}…" if isinstance(h, str) and len(h) > 16 else repr(h)


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as e:
        return None, f"cannot read {path}: {e.strerror or e}"


def _decode(data: bytes, path: Path) -> tuple[str | None, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, f"{path.name} is not UTF-8 (byte {e.start})"


def _parse_pool(text: str, name: str) -> tuple[list[draw.Unit] | None, str | None]:
    try:
        return draw.parse_pool(text), None
    except ValueError as e:
        return None, f"{name}: {e}"
    except TypeError:
        for no, line in enumerate(text.split("\n")[1:], 2):
            if line and line.count(",") != 3:
                return None, (
                    f"{name} line {no}: {line.count(',') + 1} fields, a pool line "
                    f"has 4 ({draw.POOL_HEADER})"
                )
        return None, f"{name}: malformed"


def _pool_canonical(units: list[draw.Unit]) -> str | None:
    """None if the pool is in canonical form (sorted by USCC, each once, strata K/O)."""
    for i in range(1, len(units)):
        if units[i - 1].uscc >= units[i].uscc:
            a, b = units[i - 1].uscc, units[i].uscc
            what = "appears twice" if a == b else f"comes after {a}"
            return f"line {i + 2}: unit {b} {what} (lines must be sorted by USCC, each once)"
    for i, u in enumerate(units):
        if u.stratum not in (draw.KEY, draw.OTHER):
            return f"line {i + 2}: stratum {u.stratum!r} is neither K nor O"
    return None


def _target_text(t: dict | draw.Target) -> str:
    if isinstance(t, draw.Target):
        t = {"uscc": t.uscc, "stratum": t.stratum, "rank": t.rank, "position": t.position}
    return (
        f"{t.get('uscc')} (stratum {t.get('stratum')}, position {t.get('position')}, "
        f"rank {_short(t.get('rank'))})"
    )


def _compare_targets(expected: list[draw.Target], recorded: list[dict]) -> str | None:
    """None if equal; else where they first differ and how many positions differ."""
    exp = [
        {"uscc": t.uscc, "stratum": t.stratum, "rank": t.rank, "position": t.position}
        for t in expected
    ]
    rec = [{k: t.get(k) for k in ("uscc", "stratum", "rank", "position")} for t in recorded]
    if exp == rec:
        return None
    differing = [
        i
        for i in range(max(len(exp), len(rec)))
        if i >= len(exp) or i >= len(rec) or exp[i] != rec[i]
    ]
    i = differing[0]
    where = f"first difference at position {i + 1}: "
    if i >= len(rec):
        where += f"expected {_target_text(exp[i])}, the record has no such position"
    elif i >= len(exp):
        where += f"the record has {_target_text(rec[i])}, none expected"
    else:
        fields = [k for k in ("uscc", "stratum", "rank", "position") if exp[i][k] != rec[i][k]]
        where += (
            f"expected {_target_text(exp[i])}, recorded {_target_text(rec[i])} "
            f"(differs in {', '.join(fields)})"
        )
    size = f"; expected {len(exp)} targets, recorded {len(rec)}" if len(exp) != len(rec) else ""
    return f"{where}; {len(differing)} of {max(len(exp), len(rec))} positions differ{size}"


def _compare_teams(expected: list[draw.Team], recorded: list[dict]) -> str | None:
    exp = [(t.uscc, list(t.members)) for t in expected]
    rec = [(t.get("uscc"), list(t.get("members") or [])) for t in recorded]
    if exp == rec:
        return None
    differing = [
        i
        for i in range(max(len(exp), len(rec)))
        if i >= len(exp) or i >= len(rec) or exp[i] != rec[i]
    ]
    i = differing[0]
    if i >= len(rec):
        first = f"team {i + 1}: expected unit {exp[i][0]} {exp[i][1]}, the record has none"
    elif i >= len(exp):
        first = f"team {i + 1}: the record has unit {rec[i][0]} {rec[i][1]}, none expected"
    elif exp[i][0] != rec[i][0]:
        first = f"team {i + 1}: expected unit {exp[i][0]}, recorded unit {rec[i][0]}"
    else:
        first = (
            f"team {i + 1} (unit {exp[i][0]}): expected members {exp[i][1]} "
            f"(lead {exp[i][1][0]}), recorded {rec[i][1]}"
        )
        if sorted(exp[i][1]) == sorted(rec[i][1]):
            first += " (same inspectors, different order: the first is the lead 组长)"
    return (
        f"first difference at {first}; {len(differing)} of {max(len(exp), len(rec))} teams differ"
    )


def _team_problems(
    label: str,
    teams: list[dict],
    by_id: dict[str, draw.Inspector] | None,
    units: dict[str, draw.Unit],
    conflicts: set[tuple[str, str]] | None,
    on: dt.date | None,
) -> list[str]:
    """What is wrong with recorded teams on their own: fewer than 2, repeats, a conflicted,
    unknown or unqualified inspector."""
    out = []
    for n, t in enumerate(teams, 1):
        uscc, members = t.get("uscc"), list(t.get("members") or [])
        where = f"{label} {n} (unit {uscc})"
        if len(members) < 2:
            out.append(f"{where} has {len(members)} member(s), at least 2 are required (R2)")
        if len(set(members)) != len(members):
            out.append(f"{where} lists an inspector twice: {members}")
        if "lead" in t and members and t["lead"] != members[0]:
            out.append(f"{where}: lead {t['lead']} is not the first member {members[0]}")
        for iid in members:
            if conflicts is not None and (iid, uscc) in conflicts:
                out.append(
                    f"{where}: inspector {iid} has a conflict of interest (回避关系) "
                    f"with the unit (R3)"
                )
            if by_id is None:
                continue
            if iid not in by_id:
                out.append(f"{where}: inspector {iid} is not in the roster snapshot")
            elif uscc in units and on is not None and not by_id[iid].qualified(units[uscc], on):
                i = by_id[iid]
                out.append(
                    f"{where}: inspector {iid} is not qualified on {on} (R2: 科室 "
                    f"{i.department}, industries {'、'.join(sorted(i.industries)) or '-'}, "
                    f"执法证 valid to {i.cert_expiry}, active {i.active})"
                )
    return out


def _summary(problems: list[str]) -> str:
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def verify_record(
    record_path: str | Path,
    pool_path: str | Path | None = None,
    roster_path: str | Path | None = None,
) -> Verification:
    """Re-compute a draw from its record and snapshots; one Check per fact verified.

    Works on record.json at any stage: a committed draw (the secret not yet published,
    also commitment.json) is checked for its commitment-stage facts only."""
    record_path = Path(record_path)
    v = Verification(record_path)
    raw, err = _read(record_path)
    if raw is None:
        v.add("record", False, err)
        return v
    try:
        rec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        v.add("record", False, f"{record_path.name} is not UTF-8 JSON: {e}")
        return v
    v.draw_id = rec.get("draw_id")
    v.status = rec.get("status") or (
        "committed" if rec.get("secret") is None and rec.get("seed") is None else "drawn"
    )
    folder = record_path.parent

    seed = _check_seed(v, rec)
    units = _check_pool(
        v,
        rec,
        Path(pool_path)
        if pool_path
        else folder / (rec.get("pool") or {}).get("snapshot", "pool.csv"),
    )
    roster, conflicts = _check_roster(v, rec, Path(roster_path) if roster_path else None, folder)
    if v.status == "committed":
        v.add(
            "stage",
            True,
            "the draw is committed, not drawn: the secret is not published "
            "yet, so targets and teams cannot be re-computed; verify again "
            "once it is drawn",
        )
        return v
    targets = _check_targets(v, rec, units, seed)
    _check_teams(v, rec, units, targets, roster, conflicts, seed)
    return v


def _check_seed(v: Verification, rec: dict) -> str | None:
    """The algorithm, the commitment and the seed; returns the seed to re-compute with."""
    algo = rec.get("algorithm")
    v.add(
        "algorithm",
        algo == draw.ALGORITHM,
        f"{algo}"
        if algo == draw.ALGORITHM
        else f"the record was drawn with {algo!r}, this verifier implements {draw.ALGORITHM!r}",
    )
    secret, seed_rec, commit = rec.get("secret"), rec.get("seed"), rec.get("commitment")
    if not isinstance(commit, str) or not HEX64.fullmatch(commit):
        v.add(
            "commitment",
            False,
            f"the record's commitment {commit!r} is not 64 lowercase hex digits",
        )
    elif secret is None:
        v.add(
            "commitment",
            True,
            f"{_short(commit)} recorded; the secret is not published "
            f"yet (status {v.status}), so it cannot be opened",
            skipped=True,
        )
    else:
        got = draw.commitment(secret)
        v.add(
            "commitment",
            got == commit,
            f"SHA-256(secret) = {_short(commit)} as committed"
            if got == commit
            else f"SHA-256(secret) is {got}, the record committed to {commit}: the published "
            f"secret is not the one committed to before the draw",
        )
    if secret is None:
        if seed_rec is not None:
            v.add(
                "seed",
                False,
                f"the record gives seed {_short(seed_rec)} but no secret to derive it from",
            )
        return seed_rec
    public_value = rec.get("public_value") or ""
    # The draw is re-computed from the committed secret, whatever seed the record shows.
    seed = draw.seed(secret, public_value)
    v.add(
        "seed",
        seed == seed_rec,
        f"SHA-256(secret|public value {public_value!r}) = {_short(seed)}"
        if seed == seed_rec
        else f"SHA-256(secret|public value {public_value!r}) is {seed}, the record says "
        f"{seed_rec}; the draw is re-computed with {_short(seed)}",
    )
    return seed


def _check_pool(v: Verification, rec: dict, pool_file: Path) -> list[draw.Unit] | None:
    """The pool snapshot: hash, size, key count and canonical form; returns its units."""
    info = rec.get("pool") or {}
    data, err = _read(pool_file)
    if data is None:
        v.add("pool snapshot", False, err)
        return None
    problems, units, size = [], None, ""
    got = hashlib.sha256(data).hexdigest()
    if got != info.get("sha256"):
        problems.append(
            f"SHA-256 of {pool_file.name} is {got}, the record says {info.get('sha256')}"
        )
    text, err = _decode(data, pool_file)
    if text is None:
        problems.append(err)
    else:
        with _no_gc():
            units, err = _parse_pool(text, pool_file.name)
        if units is None:
            problems.append(err)
        else:
            key = sum(1 for u in units if u.stratum == draw.KEY)
            size = f"{len(units)} units ({key} key)"
            if len(units) != info.get("size"):
                problems.append(
                    f"{pool_file.name} lists {len(units)} units, the record says {info.get('size')}"
                )
            if "key" in info and key != info["key"]:
                problems.append(
                    f"{pool_file.name} has {key} key (K) units, the record says {info['key']}"
                )
            if not text.endswith("\n"):
                problems.append(f"{pool_file.name} does not end in a newline")
            bad = _pool_canonical(units)
            if bad:
                problems.append(f"{pool_file.name} is not canonical: {bad}")
    v.add(
        "pool snapshot",
        not problems,
        _summary(problems) if problems else f"{pool_file.name}: SHA-256 {_short(got)}, {size}",
    )
    return units


def _check_roster(v: Verification, rec: dict, roster_file: Path | None, folder: Path):
    """The roster snapshot's hash; returns (roster, conflicts), or (None, None) if absent.
    A roster named by the caller must exist; the default one may be missing."""
    info = rec.get("roster") or {}
    want = info.get("sha256", rec.get("roster_sha256"))  # commitment.json: flat
    if roster_file is None:
        roster_file = folder / info.get("snapshot", "roster.csv")
        if not roster_file.exists():
            v.add(
                "roster snapshot",
                True,
                f"not checked: {roster_file.name} not found beside the record",
                skipped=True,
            )
            return None, None
    data, err = _read(roster_file)
    if data is None:
        v.add("roster snapshot", False, err)
        return None, None
    problems, roster, conflicts = [], None, None
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        problems.append(f"SHA-256 of {roster_file.name} is {got}, the record says {want}")
    text, err = _decode(data, roster_file)
    if text is None:
        problems.append(err)
    else:
        try:
            roster, conflicts = draw.parse_roster(text)
        except (ValueError, TypeError) as e:
            problems.append(f"{roster_file.name} cannot be read: {e}")
    v.add(
        "roster snapshot",
        not problems,
        _summary(problems)
        if problems
        else f"{roster_file.name}: SHA-256 {_short(got)}, {len(roster)} inspectors, "
        f"{len(conflicts)} conflicts (回避关系)",
    )
    return roster, conflicts


def _check_targets(
    v: Verification, rec: dict, units: list[draw.Unit] | None, seed: str | None
) -> list[draw.Target] | None:
    """Re-draw the units (R1, R4) and compare with the record; returns the targets."""
    params, recorded = rec.get("params") or {}, rec.get("targets") or []
    refusal = rec.get("refusal")
    if units is None:
        v.add("targets", False, "not re-computed: the pool snapshot cannot be read")
        return None
    if seed is None:
        v.add("targets", False, "not re-computed: the record gives neither secret nor seed")
        return None
    share = params.get("key_share", 0.5)
    try:
        with _no_gc():
            targets = draw.select_targets(
                units,
                seed,
                v.draw_id,
                params.get("units"),
                share,
                params.get("allow_shortfall", False),
            )
    except draw.DrawRefused as e:
        if v.status == "refused" and refusal == str(e):
            v.add("targets", True, f"refused as recorded: {e}")
        else:
            v.add(
                "targets",
                False,
                f"the algorithm refuses this draw ({e}), the record has "
                f"status {v.status} with {len(recorded)} targets"
                + (f" and refusal {refusal!r}" if refusal else ""),
            )
        return None
    except (TypeError, ValueError, KeyError) as e:
        v.add("targets", False, f"not re-computed: bad parameters or pool ({e!r})")
        return None
    key = sum(t.stratum == draw.KEY for t in targets)
    quota = draw.key_quota(len(targets), share)
    if v.status == "refused" and not recorded:
        # refused at the team stage: no targets were kept; the teams check decides
        v.add(
            "targets",
            True,
            f"{len(targets)} units re-computed ({key} key, quota "
            f"{quota}); the draw was refused after them",
        )
    else:
        diff = _compare_targets(targets, recorded)
        v.add(
            "targets",
            diff is None,
            diff
            or f"{len(targets)} units re-computed and equal "
            f"to the record ({key} key, quota {quota})",
        )
    return targets


def _check_teams(
    v: Verification,
    rec: dict,
    units: list[draw.Unit] | None,
    targets: list[draw.Target] | None,
    roster: list[draw.Inspector] | None,
    conflicts: set | None,
    seed: str | None,
) -> None:
    """Re-draw the teams (R2, R3), check the recorded ones on their own, replay recusals."""
    params, refusal = rec.get("params") or {}, rec.get("refusal")
    recorded_targets = rec.get("targets") or []
    recorded, current = rec.get("teams") or [], rec.get("current_teams") or []
    units_by_uscc: dict[str, draw.Unit] = {}
    if units is not None:
        want = {t.get("uscc") for t in recorded_targets} | {t.uscc for t in targets or []}
        units_by_uscc = {u.uscc: u for u in units if u.uscc in want}
    try:
        on = dt.date.fromisoformat(params.get("inspection_date"))
    except (TypeError, ValueError):
        on = None
    previous = {k: set(x) for k, x in (rec.get("previous_inspectors") or {}).items()}
    team_size = params.get("team_size", 2)
    cap = params.get("max_per_inspector")
    if cap is None and roster is not None and on is not None:
        cap = draw.team_cap(
            None,
            [
                units_by_uscc[t.get("uscc")]
                for t in recorded_targets
                if t.get("uscc") in units_by_uscc
            ],
            team_size,
            roster,
            on,
        )
    if roster is None:
        v.add("teams", True, "not re-computed: no roster snapshot", skipped=True)
    elif targets is None:
        refused_early = v.status == "refused" and any(
            c.name == "targets" and c.ok for c in v.checks
        )
        if not (refused_early and not recorded):  # a draw refused for its units has no teams
            v.add("teams", False, "not re-computed: the targets could not be re-computed")
    elif on is None:
        v.add(
            "teams",
            False,
            f"not re-computed: inspection date {params.get('inspection_date')!r} is not a date",
        )
    else:
        try:
            teams = draw.assign_teams(
                targets,
                units_by_uscc,
                roster,
                conflicts,
                seed,
                team_size=team_size,
                on=on,
                cap=params.get("max_per_inspector"),
                previous=previous,
            )
        except draw.TeamImpossible as e:
            if v.status == "refused" and refusal == str(e):
                v.add("teams", True, f"refused as recorded: {e}")
            else:
                v.add(
                    "teams",
                    False,
                    f"the algorithm finds no valid team ({e}), the record "
                    f"has status {v.status} with {len(recorded)} teams",
                )
        else:
            diff = _compare_teams(teams, recorded)
            v.add(
                "teams",
                diff is None,
                diff
                or f"{len(teams)} teams of {team_size} "
                f"re-computed and equal to the record (cap "
                f"{cap} per inspector)",
            )

    by_id = {i.inspector_id: i for i in roster} if roster is not None else None
    if recorded or current:
        problems = _team_problems(
            "team", recorded, by_id, units_by_uscc, conflicts, on
        ) + _team_problems("current team", current, by_id, units_by_uscc, conflicts, on)
        scope = (
            ""
            if roster is not None
            else " (size only: without the roster, conflicts and qualifications are unknown)"
        )
        v.add(
            "team rules (R2, R3)",
            not problems,
            _summary(problems)
            if problems
            else f"{len(recorded)} teams: each at least 2 distinct qualified inspectors, "
            f"none with a conflict of interest{scope}",
        )
    recusals = rec.get("recusals") or []
    if recusals or current:
        _check_recusals(
            v,
            recusals,
            recorded,
            current,
            units_by_uscc,
            roster,
            conflicts,
            by_id,
            seed,
            on,
            previous,
            cap,
        )


def _check_recusals(
    v: Verification,
    recusals: list[dict],
    teams: list[dict],
    current: list[dict],
    units: dict[str, draw.Unit],
    roster: list[draw.Inspector] | None,
    conflicts: set | None,
    by_id: dict | None,
    seed: str | None,
    on: dt.date | None,
    previous: dict[str, set[str]],
    cap: int | None,
) -> None:
    """Replay the approved recusals, in the order they were decided, on the original teams
    as draws.decide_recusal does: the leaving inspector must be on the team and the
    replacement must be draw.replacement's answer (R3); the result must be current_teams."""
    now = {t.get("uscc"): list(t.get("members") or []) for t in teams}
    lead = {u: (m[0] if m else None) for u, m in now.items()}
    recused: dict[str, set[str]] = {}
    problems = []
    approved = 0
    exact = by_id is not None and seed is not None and on is not None and cap is not None
    # decided_at, where a record gives it, is the order the replacements were drawn in
    order = sorted(range(len(recusals)), key=lambda k: (recusals[k].get("decided_at") or "", k))
    for k in order:
        r = recusals[k]
        uscc, leaving, repl, decision = (
            r.get("uscc"),
            r.get("inspector_id"),
            r.get("replacement"),
            r.get("decision"),
        )
        where = f"recusal {k + 1} ({leaving} from unit {uscc})"
        if decision not in APPROVED:
            if repl is not None:
                problems.append(
                    f"{where}: decision {decision!r} is not an approval, yet a "
                    f"replacement {repl} is recorded"
                )
            continue
        approved += 1
        team = now.get(uscc)
        if team is None:
            problems.append(f"{where}: the unit has no team in this draw")
            continue
        if leaving not in team:
            problems.append(f"{where}: {leaving} is not on the unit's team {team}")
            continue
        if repl is None:
            problems.append(f"{where}: approved but no replacement recorded")
            continue
        if exact and uscc in units:
            unit, i = units[uscc], by_id.get(repl)
            if i is None:
                problems.append(f"{where}: replacement {repl} is not in the roster snapshot")
            elif (repl, uscc) in conflicts:
                problems.append(
                    f"{where}: replacement {repl} has a conflict of interest with the unit (R3)"
                )
            elif not i.qualified(unit, on):
                problems.append(
                    f"{where}: replacement {repl} is not qualified for the unit on {on} (R2)"
                )
            else:
                expected = expected_replacement(
                    now,
                    uscc,
                    leaving,
                    unit,
                    roster,
                    conflicts,
                    seed,
                    on,
                    previous.get(uscc, set()),
                    recused.get(uscc, set()),
                    cap,
                )
                if expected != repl:
                    problems.append(
                        f"{where}: expected replacement {expected} (the next "
                        f"eligible inspector in rank order), recorded {repl}"
                    )
        elif repl in team:
            problems.append(f"{where}: replacement {repl} is already on the team")
        recused.setdefault(uscc, set()).add(leaving)
        now[uscc] = [repl if m == leaving else m for m in team]
        if lead.get(uscc) == leaving:
            lead[uscc] = repl  # the replacement takes the leaving role
    if recusals:
        v.add(
            "recusals (R3)",
            not problems,
            _summary(problems)
            if problems
            else f"{approved} approved recusal(s) of {len(recusals)}, each replacement "
            + (
                "the next eligible inspector in rank order"
                if exact
                else "new to the team (eligibility not checked without the roster)"
            ),
        )
    if current:
        _check_current(v, current, now, lead, seed, approved)


def _check_current(
    v: Verification,
    current: list[dict],
    now: dict[str, list[str]],
    lead: dict[str, str | None],
    seed: str | None,
    approved: int,
) -> None:
    """current_teams lists each team lead first, then the others by inspector rank."""
    mismatch = []
    for n, t in enumerate(current, 1):
        uscc, got = t.get("uscc"), list(t.get("members") or [])
        want = now.get(uscc)
        if want is None:
            mismatch.append(f"current team {n}: unit {uscc} has no team in the draw")
            continue
        if seed is not None:
            rest = sorted(
                (m for m in want if m != lead[uscc]),
                key=lambda m: (draw.inspector_rank(seed, uscc, m), m),
            )
            want = [lead[uscc]] + rest
            same = got == want and t.get("lead", want[0]) == want[0]
        else:
            same = sorted(got) == sorted(want)
        if not same:
            mismatch.append(
                f"current team {n} (unit {uscc}): expected {want} (lead "
                f"{lead[uscc]}), recorded {got} (lead {t.get('lead')})"
            )
    missing = sorted(set(now) - {t.get("uscc") for t in current})
    if missing:
        mismatch.append(f"units without a current team: {missing}")
    v.add(
        "current teams",
        not mismatch,
        _summary(mismatch)
        if mismatch
        else f"{len(current)} current teams = original teams after {approved} approved "
        f"recusal(s), lead first",
    )


def expected_replacement(
    teams_now: dict[str, list[str]],
    uscc: str,
    leaving: str,
    unit: draw.Unit,
    roster: list[draw.Inspector],
    conflicts: set,
    seed: str,
    on: dt.date,
    previous: set[str],
    recused: set[str],
    cap: int,
) -> str | None:
    """The replacement draws.decide_recusal draws: draw.replacement, excluding inspectors
    recused from this unit before and those at the draw's cap with the teams as they stand."""
    load: dict[str, int] = {}
    for members in teams_now.values():
        for m in members:
            load[m] = load.get(m, 0) + 1
    excluded = recused | {m for m, k in load.items() if k >= cap}
    try:
        return draw.replacement(
            teams_now[uscc], leaving, unit, roster, conflicts, seed, on, previous, excluded
        )
    except draw.TeamImpossible:
        return None
