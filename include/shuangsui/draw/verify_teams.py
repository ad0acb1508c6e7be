"""Verify a draw's teams (检查组) from its record: re-draw them (R2, R3), check the recorded
ones on their own (size, conflicts, qualifications), replay the approved recusals."""

from __future__ import annotations

import datetime as dt

from shuangsui.draw import algorithm as draw
from shuangsui.draw.verification import Verification, summary

APPROVED = ("approved", "回避")  # a recusal the 分管领导 granted


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


def check_teams(
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
        v.add(
            "teams",
            True,
            "not re-computed: no roster snapshot (the inspectors and their conflicts, "
            "回避关系, are needed to draw the teams again)",
            skipped=True,
        )
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
        if roster is not None:
            passed = (
                f"{len(recorded)} teams: each at least 2 distinct qualified inspectors, "
                f"none with a conflict of interest"
            )
        else:
            passed = f"{len(recorded)} teams: each at least 2 distinct inspectors"
        v.add(
            "team rules (R2, R3)",
            not problems,
            summary(problems) if problems else passed,
            unchecked=""
            if roster is not None
            else "qualifications and conflicts of interest (no roster snapshot)",
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
    as recusal.decide_recusal does: the leaving inspector must be on the team and the
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
            problem = _replacement_problem(
                repl,
                leaving,
                units[uscc],
                now,
                roster,
                by_id,
                conflicts,
                seed,
                on,
                previous.get(uscc, set()),
                recused.get(uscc, set()),
                cap,
            )
            if problem:
                problems.append(f"{where}: {problem}")
        elif repl in team:
            problems.append(f"{where}: replacement {repl} is already on the team")
        recused.setdefault(uscc, set()).add(leaving)
        now[uscc] = [repl if m == leaving else m for m in team]
        if lead.get(uscc) == leaving:
            lead[uscc] = repl  # the replacement takes the leaving role
    if recusals:
        why = "no roster snapshot" if by_id is None else "no seed, inspection date or cap"
        v.add(
            "recusals (R3)",
            not problems,
            summary(problems)
            if problems
            else f"{approved} approved recusal(s) of {len(recusals)}, each replacement "
            + ("the next eligible inspector in rank order" if exact else "new to the team"),
            unchecked=""
            if exact or not approved
            else f"that each replacement is eligible and the next in rank order ({why})",
        )
    if current:
        _check_current(v, current, now, lead, seed, approved)


def _replacement_problem(
    repl: str,
    leaving: str,
    unit: draw.Unit,
    teams_now: dict[str, list[str]],
    roster: list[draw.Inspector],
    by_id: dict[str, draw.Inspector],
    conflicts: set,
    seed: str,
    on: dt.date,
    previous: set[str],
    recused: set[str],
    cap: int,
) -> str | None:
    """What is wrong with a recorded replacement, or None: it must be in the roster, free
    of conflict, qualified, and the one the rule draws (R2, R3)."""
    i = by_id.get(repl)
    if i is None:
        return f"replacement {repl} is not in the roster snapshot"
    if (repl, unit.uscc) in conflicts:
        return f"replacement {repl} has a conflict of interest with the unit (R3)"
    if not i.qualified(unit, on):
        return f"replacement {repl} is not qualified for the unit on {on} (R2)"
    expected = expected_replacement(
        teams_now, unit.uscc, leaving, unit, roster, conflicts, seed, on, previous, recused, cap
    )
    if expected != repl:
        return (
            f"expected replacement {expected} (the next eligible inspector in rank order), "
            f"recorded {repl}"
        )
    return None


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
            want = draw.team_order(
                (m, m == lead[uscc], draw.inspector_rank(seed, uscc, m)) for m in want
            )
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
        summary(mismatch)
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
    """The replacement recusal.decide_recusal draws (algorithm.replacement_after_recusal),
    or None if no eligible inspector is left."""
    try:
        return draw.replacement_after_recusal(
            teams_now, uscc, leaving, unit, roster, conflicts, seed, on, previous, recused, cap
        )
    except draw.TeamImpossible:
        return None
