"""The package's teams (algorithm.assign_teams) against a second implementation written
from the prose of docs/draw-algorithm.md §6 (reference_teams.py): same teams, same lead,
same refusal message, on random rosters, conflicts, caps, previous teams and team sizes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import reference_teams as ref  # tests/draw, on the path pytest gives this folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsui.draw import algorithm as draw

DOC = Path(__file__).resolve().parents[2] / "docs" / "draw-algorithm.md"
ON = dt.date(2026, 12, 10)
DEPARTMENTS = ["危险化学品监管科", "冶金工贸监管科", "综合监督管理科"]
INDUSTRIES = ["危险化学品", "冶金", "工贸", "机械", "其他"]
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def scenarios(draw_):
    """Drawn units in position order, a roster (small, so that caps and conflicts bite),
    conflicts, previous teams, a cap and a team size (1 included: refused by R2)."""
    usccs = draw_(st.lists(st.integers(0, 10**6), min_size=1, max_size=10, unique=True))
    units = [
        draw.Unit(
            f"91370300{c:010d}",
            draw_(st.sampled_from([draw.KEY, draw.OTHER])),
            draw_(st.sampled_from(DEPARTMENTS)),
            draw_(st.sampled_from(INDUSTRIES)),
        )
        for c in usccs
    ]
    ids = sorted(
        draw_(st.sets(st.integers(1, 40), min_size=draw_(st.sampled_from([0, 12])), max_size=24))
    )
    roster = [
        draw.Inspector(
            f"ZF{i:03d}",
            draw_(st.sampled_from(DEPARTMENTS)),
            frozenset(draw_(st.sets(st.sampled_from(INDUSTRIES), max_size=3))),
            ON + dt.timedelta(days=draw_(st.sampled_from([-1, 0, 1, 400]))),  # the boundary
            draw_(st.booleans()) or draw_(st.booleans()),
        )
        for i in ids
    ]
    everyone = [i.inspector_id for i in roster] + ["ZF099"]  # and one not in the roster
    pairs = st.tuples(st.sampled_from(everyone), st.sampled_from([u.uscc for u in units]))
    conflicts = draw_(st.sets(pairs, max_size=2 * len(units)))
    previous = draw_(
        st.dictionaries(
            st.sampled_from([u.uscc for u in units]), st.sets(st.sampled_from(everyone), max_size=4)
        )
    )
    cap = draw_(st.one_of(st.none(), st.integers(0, 5)))
    team_size = draw_(st.sampled_from([2, 3, 2, 4, 1]))
    seed = hashlib.sha256(draw_(st.binary(min_size=1, max_size=8))).hexdigest()
    return units, roster, conflicts, previous, cap, team_size, seed


def package_teams(units, roster, conflicts, previous, cap, team_size, seed):
    targets = [draw.Target(u.uscc, u.stratum, "", n) for n, u in enumerate(units, 1)]
    try:
        teams = draw.assign_teams(
            targets,
            {u.uscc: u for u in units},
            roster,
            conflicts,
            seed,
            team_size=team_size,
            on=ON,
            cap=cap,
            previous=previous,
        )
    except draw.TeamImpossible as e:
        return str(e)
    for t in teams:  # the ranks the package keeps are the documented inspector ranks
        assert t.ranks == {m: ref.sha256(f"{seed}|{t.uscc}|{m}") for m in t.members}
    return [(t.uscc, list(t.members)) for t in teams]


def reference_teams(units, roster, conflicts, previous, cap, team_size, seed):
    people = [
        ref.Person(i.inspector_id, i.department, i.industries, i.cert_expiry, i.active)
        for i in roster
    ]
    places = [ref.Place(u.uscc, u.department, u.industry) for u in units]
    try:
        return ref.teams(
            places,
            people,
            conflicts,
            seed,
            team_size=team_size,
            on=ON,
            cap=cap,
            previous=previous,
        )
    except ref.Refused as e:
        return str(e)


@SETTINGS
@given(scenarios())
def test_the_documented_team_rules_give_the_same_teams(scenario):
    assert package_teams(*scenario) == reference_teams(*scenario)


@SETTINGS
@given(scenarios(), st.integers(1, 400), st.integers(2, 6), st.integers(0, 300))
def test_the_default_cap_in_integers_is_the_packages(scenario, n, team_size, q):
    """§6.3 gives the cap in integers; the package computes it in floating point."""
    assert ref.cap_of(None, [], 2, [], ON) == draw.default_cap(0, 2, 0)
    numerator, denominator = 5 * n * team_size, 4 * max(q, 1)
    assert max(1, -(-numerator // denominator)) == draw.default_cap(n, team_size, q)


def test_the_worked_example_id_and_teams_follow_from_the_doc():
    """§9: the draw id is SHA-256 of the origin it names, and the reference gives the teams
    its table shows."""
    doc = DOC.read_text("utf-8")
    origin = re.search(r"^origin\s+= (.+)$", doc, re.M).group(1)
    draw_id = re.search(r"^draw_id\s+= (\S+)$", doc, re.M).group(1)
    assert draw_id == f"2026-YJ-{hashlib.sha256(origin.encode()).hexdigest()[:10].upper()}"
    assert origin.endswith("/冶金工贸监管科")
    seed = re.search(r"^\s+= ([0-9a-f]{64})$", doc, re.M).group(1)
    y, a = "冶金工贸监管科", frozenset(["冶金", "工贸", "建材", "机械", "轻工"])
    roster = [
        ref.Person("ZF001", y, a, dt.date(2028, 12, 20), True),
        ref.Person(
            "ZF002",
            "危险化学品监管科",
            frozenset({"危险化学品", "烟花爆竹"}),
            dt.date(2028, 7, 7),
            True,
        ),
        ref.Person("ZF004", y, a | {"其他"}, dt.date(2029, 11, 6), True),
        ref.Person("ZF006", y, a, dt.date(2026, 11, 30), True),
        ref.Person("ZF008", y, a, dt.date(2029, 9, 8), True),
        ref.Person("ZF009", y, a | {"非煤矿山"}, dt.date(2028, 4, 7), True),
        ref.Person(
            "ZF012", "综合监督管理科", frozenset({"其他", "冶金"}), dt.date(2029, 8, 19), True
        ),
        ref.Person("ZF013", y, a, dt.date(2029, 1, 1), False),
    ]
    drawn = [
        ref.Place("91370300MAN5T1KL3N", y, "工贸"),
        ref.Place("91370306MAHUTJ3T17", y, "轻工"),
        ref.Place("91370391144653705D", y, "工贸"),
        ref.Place("91370391MA6YGC4G5W", y, "冶金"),
    ]
    # the positions of §9's rank table, drawn with the documented id
    rows = re.findall(r"^\| `([0-9a-f]{16})…` \| (\w+) \| [KO] \| position (\d)", doc, re.M)
    assert [(c, int(p)) for _, c, p in rows] == [(u.uscc, n) for n, u in enumerate(drawn, 1)]
    for prefix, uscc, _ in rows:
        assert ref.sha256(f"{seed}|{draw_id}|{uscc}").startswith(prefix)
    conflicts = {("ZF004", "91370300MAN5T1KL3N")}
    assert ref.cap_of(None, drawn, 2, roster, dt.date(2026, 12, 10)) == 2
    got = ref.teams(drawn, roster, conflicts, seed, team_size=2, on=dt.date(2026, 12, 10))
    assert [m for _, m in got] == [
        ["ZF009", "ZF008"],
        ["ZF004", "ZF008"],
        ["ZF001", "ZF009"],
        ["ZF012", "ZF001"],
    ]
    again = ref.teams(
        drawn,
        roster,
        conflicts,
        seed,
        team_size=2,
        on=dt.date(2026, 12, 10),
        previous={"91370300MAN5T1KL3N": {"ZF008", "ZF009"}},
    )
    assert [m for _, m in again] == [
        ["ZF001", "ZF009"],
        ["ZF004", "ZF008"],
        ["ZF001", "ZF009"],
        ["ZF012", "ZF004"],
    ]
