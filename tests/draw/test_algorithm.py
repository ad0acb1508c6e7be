"""The draw algorithm on its own (shuangsui.draw.algorithm, no database): quotas (R1, R4), teams
(R2, R3), determinism and independence from row order, and the canonical snapshots."""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shuangsui.draw import algorithm as draw
from shuangsui.draw.algorithm import DrawRefused, Inspector, TeamImpossible, Unit

ON = dt.date(2026, 6, 1)
DEPARTMENTS = ["危化科", "工贸科", "综合科"]
INDUSTRIES = ["危险化学品", "非煤矿山", "冶金", "工贸", "建材", "机械", "轻工", "烟花爆竹", "其他"]
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

seeds = st.binary(min_size=1, max_size=16).map(lambda b: hashlib.sha256(b).hexdigest())
key_shares = st.one_of(
    st.sampled_from([0.5, 0.6, 2 / 3, 0.7, 0.75, 0.8, 0.9, 1.0]), st.floats(0.5, 1.0)
)


def usccs(max_size):
    # Not valid check digits: the algorithm treats a USCC as an opaque, unique string.
    return st.sets(st.integers(0, 10**10 - 1), max_size=max_size).map(
        lambda xs: [f"91370300{x:010d}" for x in xs]
    )


@st.composite
def pools(draw_, max_size=200, key_weight=None):
    codes = draw_(usccs(max_size))
    if key_weight is None:
        key_weight = draw_(st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0]))
    out = []
    for c in codes:
        k = draw_(st.floats(0, 1)) < key_weight
        out.append(
            Unit(
                c,
                draw.KEY if k else draw.OTHER,
                draw_(st.sampled_from(DEPARTMENTS)),
                draw_(st.sampled_from(INDUSTRIES)),
            )
        )
    return out


@st.composite
def rosters(draw_, max_size=30):
    ids = draw_(st.sets(st.integers(1, 999), max_size=max_size))
    return [
        Inspector(
            f"I{i:03d}",
            draw_(st.sampled_from(DEPARTMENTS)),
            frozenset(draw_(st.sets(st.sampled_from(INDUSTRIES), max_size=3))),
            ON + dt.timedelta(days=draw_(st.integers(-30, 400))),
            draw_(st.booleans()) or draw_(st.booleans()),
        )  # 3 in 4 active
        for i in sorted(ids)
    ]


@st.composite
def conflict_sets(draw_, roster, units):
    if not roster or not units:
        return set()
    pairs = st.tuples(
        st.sampled_from([i.inspector_id for i in roster]), st.sampled_from([u.uscc for u in units])
    )
    return draw_(st.sets(pairs, max_size=3 * len(units)))


@st.composite
def team_scenarios(draw_):
    """A pool that can be drawn, its targets, a roster, conflicts and team parameters."""
    units = draw_(pools(max_size=40))
    assume(units)
    n = draw_(st.integers(1, min(len(units), 12)))
    seed = draw_(seeds)
    targets = draw.select_targets(units, seed, "T", n, 0.5, allow_shortfall=True)
    roster = draw_(rosters())
    conflicts = draw_(
        conflict_sets(roster, [u for u in units if u.uscc in {t.uscc for t in targets}])
    )
    team_size = draw_(st.integers(2, 4))
    cap = draw_(st.one_of(st.none(), st.integers(1, 6)))
    return units, targets, roster, conflicts, seed, team_size, cap


@st.composite
def pools_and_n(draw_, max_n=None):
    """A non-empty pool and a number to draw that it can give."""
    units = draw_(pools().filter(bool))
    return units, draw_(st.integers(1, min(len(units), max_n or len(units))))


def stratum_counts(units):
    k = sum(u.stratum == draw.KEY for u in units)
    return k, len(units) - k


# --- targets (R1, R4) ------------------------------------------------------------------


@SETTINGS
@given(pools(), st.integers(1, 220), key_shares, seeds)
def test_draw_meets_the_key_quota_or_is_refused_naming_rule_and_shortfall(units, n, share, seed):
    k, o = stratum_counts(units)
    need = draw.key_quota(n, share)
    try:
        targets = draw.select_targets(units, seed, "2026-WH-1", n, share)
    except DrawRefused as e:
        msg = str(e)
        if len(units) < n:
            assert msg.startswith("R1") and f"short by {n - len(units)}" in msg
        else:
            assert k < need
            assert msg.startswith("R4") and f"short by {need - k}" in msg
        return
    assert len(units) >= n and k >= need
    assert len(targets) == n
    assert len({t.uscc for t in targets}) == n
    assert sum(t.stratum == draw.KEY for t in targets) >= math.ceil(n * share - 1e-9)
    assert [t.position for t in targets] == list(range(1, n + 1))
    assert [t.rank for t in targets] == sorted(t.rank for t in targets)
    pool = {u.uscc: u for u in units}
    for t in targets:
        assert pool[t.uscc].stratum == t.stratum
        assert t.rank == draw.unit_rank(seed, "2026-WH-1", t.uscc)


@SETTINGS
@given(pools_and_n(), key_shares, seeds)
def test_each_stratum_gives_its_lowest_ranks(pool_n, share, seed):
    units, n = pool_n
    targets = draw.select_targets(units, seed, "d", n, share, allow_shortfall=True)
    chosen = {t.uscc for t in targets}
    for s in (draw.KEY, draw.OTHER):
        ranks = sorted(
            (draw.unit_rank(seed, "d", u.uscc), u.uscc in chosen) for u in units if u.stratum == s
        )
        taken = [c for _, c in ranks]
        # the chosen units of a stratum are a prefix of its rank order
        assert taken == sorted(taken, reverse=True)


@SETTINGS
@given(pools_and_n(), key_shares, seeds)
def test_shortfall_allowed_takes_every_key_unit_it_can(pool_n, share, seed):
    units, n = pool_n
    k, o = stratum_counts(units)
    targets = draw.select_targets(units, seed, "d", n, share, allow_shortfall=True)
    got = sum(t.stratum == draw.KEY for t in targets)
    # the quota if there are enough key units, all of them if not; key units also fill in
    # for a short other stratum
    assert got == min(k, max(draw.key_quota(n, share), n - o))
    assert len(targets) == n


@SETTINGS
@given(pools_and_n(max_n=60), key_shares, seeds, st.randoms(use_true_random=False))
def test_same_seed_same_draw_whatever_the_pool_order(pool_n, share, seed, rnd):
    units, n = pool_n
    first = draw.select_targets(units, seed, "d", n, share, allow_shortfall=True)
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert draw.select_targets(shuffled, seed, "d", n, share, allow_shortfall=True) == first
    assert draw.select_targets(units, seed, "d", n, share, allow_shortfall=True) == first


def test_different_seeds_give_different_draws():
    units = [
        Unit(f"91370300{i:010d}", draw.KEY if i % 3 else draw.OTHER, "危化科", "冶金")
        for i in range(1000)
    ]
    draws_ = {
        tuple(t.uscc for t in draw.select_targets(units, draw.seed(s), "d", 10))
        for s in ("a", "b", "c", "d")
    }
    assert len(draws_) == 4


def test_the_draw_id_is_part_of_the_rank():
    units = [Unit(f"91370300{i:010d}", draw.KEY, "危化科", "冶金") for i in range(1000)]
    s = draw.seed("secret")
    assert draw.select_targets(units, s, "2026-WH-a", 10) != draw.select_targets(
        units, s, "2026-WH-b", 10
    )


def test_too_few_key_units_is_refused_with_the_shortfall():
    units = [Unit(f"K{i:017d}", draw.KEY, "危化科", "冶金") for i in range(2)] + [
        Unit(f"O{i:017d}", draw.OTHER, "工贸科", "工贸") for i in range(20)
    ]
    with pytest.raises(DrawRefused, match=r"^R4 .*5 of 10.*only 2 \(short by 3\)"):
        draw.select_targets(units, draw.seed("s"), "d", 10, 0.5)


def test_too_small_a_pool_is_refused_with_the_shortfall():
    units = [Unit(f"K{i:017d}", draw.KEY, "危化科", "冶金") for i in range(4)]
    with pytest.raises(DrawRefused, match=r"^R1 .*has 4 units, 7 were asked for \(short by 3\)"):
        draw.select_targets(units, draw.seed("s"), "d", 7)


def test_drawing_nothing_is_refused():
    with pytest.raises(DrawRefused, match="^R1"):
        draw.select_targets([], draw.seed("s"), "d", 0)


@pytest.mark.parametrize(
    "n,share,quota",
    [
        (1, 0.5, 1),
        (3, 0.5, 2),
        (10, 0.5, 5),
        (10, 0.7, 7),
        (3, 2 / 3, 2),
        (7, 1.0, 7),
        (100, 0.51, 51),
        (10, 0.55, 6),
    ],
)
def test_key_quota_rounds_up_without_float_noise(n, share, quota):
    assert draw.key_quota(n, share) == quota


def test_key_units_fill_in_when_the_other_stratum_runs_short():
    units = [Unit(f"K{i:017d}", draw.KEY, "危化科", "冶金") for i in range(8)] + [
        Unit(f"O{i:017d}", draw.OTHER, "工贸科", "工贸") for i in range(2)
    ]
    targets = draw.select_targets(units, draw.seed("s"), "d", 6, 0.5)
    assert sum(t.stratum == draw.OTHER for t in targets) == 2
    assert sum(t.stratum == draw.KEY for t in targets) == 4


# --- teams (R2, R3) --------------------------------------------------------------------


def check_teams(teams, targets, units, roster, conflicts, team_size, cap):
    by_id = {i.inspector_id: i for i in roster}
    assert [t.uscc for t in teams] == [t.uscc for t in targets]
    load = {}
    for team in teams:
        unit = units[team.uscc]
        assert len(team.members) == team_size
        assert len(set(team.members)) == team_size
        assert team.lead == team.members[0]
        for iid in team.members:
            assert by_id[iid].qualified(unit, ON)
            assert by_id[iid].active and by_id[iid].cert_expiry >= ON
            assert (iid, team.uscc) not in conflicts
            load[iid] = load.get(iid, 0) + 1
    # default: a quarter above the even share among inspectors qualified for a drawn unit
    qualified = sum(any(i.qualified(units[t.uscc], ON) for t in targets) for i in roster)
    cap = cap or draw.default_cap(len(targets), team_size, qualified)
    assert all(v <= cap for v in load.values())


@SETTINGS
@given(team_scenarios())
def test_teams_are_valid_or_impossible_naming_the_unit(scenario):
    units, targets, roster, conflicts, seed, team_size, cap = scenario
    by_uscc = {u.uscc: u for u in units}
    try:
        teams = draw.assign_teams(
            targets, by_uscc, roster, conflicts, seed, team_size=team_size, on=ON, cap=cap
        )
    except TeamImpossible as e:
        assert any(t.uscc in str(e) for t in targets)
        return
    check_teams(teams, targets, by_uscc, roster, conflicts, team_size, cap)


@SETTINGS
@given(team_scenarios())
def test_a_team_is_impossible_only_when_candidates_run_out(scenario):
    """Without a cap, TeamImpossible means a unit has fewer eligible inspectors than a team."""
    units, targets, roster, conflicts, seed, team_size, _ = scenario
    by_uscc = {u.uscc: u for u in units}
    short = [
        t.uscc
        for t in targets
        if len(draw.candidates(by_uscc[t.uscc], roster, conflicts, set(), seed, ON)) < team_size
    ]
    try:
        draw.assign_teams(
            targets, by_uscc, roster, conflicts, seed, team_size=team_size, on=ON, cap=len(targets)
        )
    except TeamImpossible as e:
        assert short and f"unit {short[0]} " in str(e)
    else:
        assert not short


@SETTINGS
@given(team_scenarios(), st.randoms(use_true_random=False))
def test_teams_do_not_depend_on_roster_or_conflict_order(scenario, rnd):
    units, targets, roster, conflicts, seed, team_size, cap = scenario
    by_uscc = {u.uscc: u for u in units}
    try:
        first = draw.assign_teams(
            targets, by_uscc, roster, conflicts, seed, team_size=team_size, on=ON, cap=cap
        )
    except TeamImpossible as e:
        first = str(e)
    shuffled = list(roster)
    rnd.shuffle(shuffled)
    try:
        again = draw.assign_teams(
            targets, by_uscc, shuffled, set(conflicts), seed, team_size=team_size, on=ON, cap=cap
        )
    except TeamImpossible as e:
        again = str(e)
    assert again == first


@SETTINGS
@given(team_scenarios(), st.data())
def test_last_inspectors_are_avoided_when_enough_others_are_eligible(scenario, data):
    units, targets, roster, conflicts, seed, team_size, _ = scenario
    unit = {u.uscc: u for u in units}[targets[0].uscc]
    eligible = [iid for _, _, iid in draw.candidates(unit, roster, conflicts, set(), seed, ON)]
    assume(eligible)
    previous = set(data.draw(st.lists(st.sampled_from(eligible), max_size=4)))
    try:
        [team] = draw.assign_teams(
            targets[:1],
            {unit.uscc: unit},
            roster,
            conflicts,
            seed,
            team_size=team_size,
            on=ON,
            cap=1,
            previous={unit.uscc: previous},
        )
    except TeamImpossible:
        assert len(eligible) < team_size
        return
    others = [i for i in eligible if i not in previous]
    if len(others) >= team_size:
        assert not previous & set(team.members)
    else:  # all the others, then the best-ranked of the previous team
        assert set(others) <= set(team.members)


@SETTINGS
@given(team_scenarios())
def test_replacement_is_eligible_and_new_to_the_team(scenario):
    units, targets, roster, conflicts, seed, team_size, _ = scenario
    by_uscc = {u.uscc: u for u in units}
    try:
        teams = draw.assign_teams(
            targets, by_uscc, roster, conflicts, seed, team_size=team_size, on=ON, cap=len(targets)
        )
    except TeamImpossible:
        return
    team = teams[0]
    unit = by_uscc[team.uscc]
    leaving = team.members[-1]
    try:
        new = draw.replacement(
            team.members, leaving, unit, roster, conflicts, seed, ON, set(), set()
        )
    except TeamImpossible as e:
        assert unit.uscc in str(e)
        assert len(draw.candidates(unit, roster, conflicts, set(), seed, ON)) == team_size
        return
    by_id = {i.inspector_id: i for i in roster}
    assert new not in team.members
    assert by_id[new].qualified(unit, ON) and (new, unit.uscc) not in conflicts
    # the next in rank order after the team
    order = [iid for _, _, iid in draw.candidates(unit, roster, conflicts, set(), seed, ON)]
    assert new == [i for i in order if i not in team.members][0]


def test_conflicted_inspector_is_never_drawn():
    unit = Unit("91370300MA3C12345X", draw.KEY, "危化科", "危险化学品")
    roster = [
        Inspector(f"I{i}", "危化科", frozenset(), dt.date(2030, 1, 1), True) for i in range(3)
    ]
    for s in ("a", "b", "c", "d", "e", "f"):
        seed = draw.seed(s)
        [t] = draw.select_targets([unit], seed, "d", 1)
        [team] = draw.assign_teams(
            [t], {unit.uscc: unit}, roster, {("I1", unit.uscc)}, seed, team_size=2, on=ON
        )
        assert sorted(team.members) == ["I0", "I2"]


def test_team_size_below_two_is_refused():
    with pytest.raises(TeamImpossible, match="at least 2"):
        draw.assign_teams([], {}, [], set(), draw.seed("s"), team_size=1, on=ON)


def test_expired_or_inactive_or_unqualified_inspectors_are_not_candidates():
    unit = Unit("91370300MA3C12345X", draw.KEY, "危化科", "冶金")
    roster = [
        Inspector("ok1", "危化科", frozenset(), ON, True),  # expires that day
        Inspector("ok2", "工贸科", frozenset({"冶金"}), ON, True),  # by industry
        Inspector("old", "危化科", frozenset(), ON - dt.timedelta(days=1), True),
        Inspector("off", "危化科", frozenset(), dt.date(2030, 1, 1), False),
        Inspector("far", "工贸科", frozenset({"工贸"}), dt.date(2030, 1, 1), True),
    ]
    got = {iid for _, _, iid in draw.candidates(unit, roster, set(), set(), draw.seed("s"), ON)}
    assert got == {"ok1", "ok2"}


def test_default_cap_is_a_quarter_above_the_even_share():
    assert draw.default_cap(10, 2, 8) == 4  # ceil(1.25 * 20 / 8) = ceil(3.125)
    assert draw.default_cap(1, 2, 100) == 1
    assert draw.default_cap(5, 2, 0) == 13  # no inspectors: no division by zero


def test_default_cap_counts_only_inspectors_qualified_for_a_drawn_unit():
    unit = Unit("91370300MA3C12345X", draw.KEY, "危化科", "冶金")
    roster = [
        Inspector(f"A{i}", "危化科", frozenset(), dt.date(2030, 1, 1), True) for i in range(4)
    ] + [Inspector(f"B{i}", "工贸科", frozenset(), dt.date(2030, 1, 1), True) for i in range(40)]
    assert draw.team_cap(None, [unit] * 4, 2, roster, ON) == 3  # ceil(1.25 * 8 / 4)
    assert draw.team_cap(7, [unit] * 4, 2, roster, ON) == 7


# --- snapshots -------------------------------------------------------------------------


@SETTINGS
@given(pools(), st.randoms(use_true_random=False))
def test_pool_snapshot_round_trips_sorted(units, rnd):
    shuffled = list(units)
    rnd.shuffle(shuffled)
    text = draw.pool_snapshot(shuffled)
    assert draw.parse_pool(text) == sorted(units)
    assert text == draw.pool_snapshot(units)  # canonical: order does not matter
    assert text.endswith("\n") and text.startswith(draw.POOL_HEADER + "\n")


@SETTINGS
@given(rosters(), st.data())
def test_roster_snapshot_round_trips_sorted(roster, data):
    units = data.draw(pools(max_size=10))
    conflicts = data.draw(conflict_sets(roster, units))
    shuffled = data.draw(st.permutations(roster))
    text = draw.roster_snapshot(shuffled, conflicts)
    back, back_conflicts = draw.parse_roster(text)
    assert back == sorted(roster, key=lambda i: i.inspector_id)
    assert back_conflicts == conflicts
    assert text == draw.roster_snapshot(roster, set(conflicts))


def test_pool_snapshot_bytes():
    units = [
        Unit("91370300MA3C12345Y", draw.OTHER, "工贸科", "工贸"),
        Unit("91370300MA3C12345X", draw.KEY, "危化科", "危险化学品"),
    ]
    assert (
        draw.pool_snapshot(units).encode("utf-8")
        == (
            "uscc,stratum,department,industry\n"
            "91370300MA3C12345X,K,危化科,危险化学品\n"
            "91370300MA3C12345Y,O,工贸科,工贸\n"
        ).encode()
    )
    assert draw.pool_snapshot([]) == "uscc,stratum,department,industry\n"


def test_roster_snapshot_bytes():
    roster = [
        Inspector("I2", "工贸科", frozenset({"工贸", "冶金"}), dt.date(2027, 1, 31), False),
        Inspector("I1", "危化科", frozenset(), dt.date(2026, 12, 31), True),
    ]
    assert draw.roster_snapshot(roster, {("I2", "B"), ("I1", "A")}) == (
        "inspector_id,department,industries,cert_expiry,active\n"
        "I1,危化科,,2026-12-31,1\n"
        "I2,工贸科,冶金、工贸,2027-01-31,0\n"
        "conflicts:inspector_id,uscc\n"
        "I1,A\n"
        "I2,B\n"
    )
    assert draw.parse_roster(draw.roster_snapshot([], set())) == ([], set())


def test_formulas_are_sha256_of_pipe_joined_utf8():
    h = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()  # noqa: E731
    assert draw.commitment("秘密") == h("秘密")
    assert draw.seed("秘密", "福彩3D 2026123: 4 5 6") == h("秘密|福彩3D 2026123: 4 5 6")
    assert draw.seed("x") == h("x|")
    assert draw.unit_rank("s", "d", "u") == h("s|d|u")
    assert draw.inspector_rank("s", "u", "i") == h("s|u|i")


# --- the published description ---------------------------------------------------------


def plain_select(units, seed, draw_id, n, share):
    """The targets as docs/draw-algorithm.md §5 describes them, written from the text."""
    h = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()  # noqa: E731
    need = math.ceil(round(n * share, 9))
    ranked = {
        s: sorted((h(f"{seed}|{draw_id}|{u.uscc}"), u.uscc) for u in units if u.stratum == s)
        for s in (draw.KEY, draw.OTHER)
    }
    o = min(n - min(need, len(ranked[draw.KEY])), len(ranked[draw.OTHER]))
    picked = sorted(
        [(r, c, draw.OTHER) for r, c in ranked[draw.OTHER][:o]]
        + [(r, c, draw.KEY) for r, c in ranked[draw.KEY][: n - o]]
    )
    return [(i, c, s, r) for i, (r, c, s) in enumerate(picked, 1)]


@SETTINGS
@given(pools_and_n(), key_shares, seeds)
def test_the_documented_algorithm_gives_the_same_targets(pool_n, share, seed):
    units, n = pool_n
    got = draw.select_targets(units, seed, "2026-WH-x", n, share, allow_shortfall=True)
    assert [(t.position, t.uscc, t.stratum, t.rank) for t in got] == plain_select(
        units, seed, "2026-WH-x", n, share
    )


def test_the_worked_example_in_the_docs():
    Y = "冶金工贸监管科"
    units = [
        Unit(c, s, Y, i)
        for c, s, i in [
            ("91370300MAN5T1KL3N", "O", "工贸"),
            ("91370300MARBP6BY7Y", "O", "机械"),
            ("91370304MAX9XEAQXW", "K", "轻工"),
            ("91370306677810371G", "O", "机械"),
            ("91370306MAHUTJ3T17", "O", "轻工"),
            ("913703911356848092", "O", "机械"),
            ("91370391144653705D", "K", "工贸"),
            ("91370391MA42XU8C72", "O", "机械"),
            ("91370391MA6YGC4G5W", "K", "冶金"),
            ("91370391MAD1LMJR8F", "O", "工贸"),
        ]
    ]
    secret = draw.sha256_hex("worked example secret")
    assert secret == "241f4d3d6f7587cd0eb2a5639aa1da3d0cd25ebc1cb8a2cf4f63d60d4b6572c3"
    seed = draw.seed(secret, "2026325 福彩3D 4 7 1")
    assert seed == "385a8cd0b2dd23044e056eb7a2a6fc3ede7146f6d8bac70f22929c815e2e2f2b"
    assert (
        draw.sha256_hex(draw.pool_snapshot(units))
        == "0900f010bc72121c83667dcdbccc62a42fdfa1d874e82918e478998c2c59f168"
    )
    targets = draw.select_targets(units, seed, "2026-YJ-5D41402ABC", 4, 0.5)
    assert [t.uscc[-10:] for t in targets] == [
        "MAN5T1KL3N",
        "MAHUTJ3T17",
        "144653705D",
        "MA6YGC4G5W",
    ]
    assert targets[0].rank == "049773a0d83aa812529626032997e4450d4a3760488d68bfc24a461f1ecb3d9b"
    A = frozenset(["冶金", "工贸", "建材", "机械", "轻工"])
    roster = [
        Inspector("ZF001", Y, A, dt.date(2028, 12, 20), True),
        Inspector(
            "ZF002",
            "危险化学品监管科",
            frozenset({"危险化学品", "烟花爆竹"}),
            dt.date(2028, 7, 7),
            True,
        ),
        Inspector("ZF004", Y, A | {"其他"}, dt.date(2029, 11, 6), True),
        Inspector("ZF006", Y, A, dt.date(2026, 11, 30), True),
        Inspector("ZF008", Y, A, dt.date(2029, 9, 8), True),
        Inspector("ZF009", Y, A | {"非煤矿山"}, dt.date(2028, 4, 7), True),
        Inspector(
            "ZF012", "综合监督管理科", frozenset({"其他", "冶金"}), dt.date(2029, 8, 19), True
        ),
        Inspector("ZF013", Y, A, dt.date(2029, 1, 1), False),
    ]
    conflicts = {("ZF004", "91370300MAN5T1KL3N")}
    assert (
        draw.sha256_hex(draw.roster_snapshot(roster, conflicts))
        == "07094685aa2061640c4d3bfa846de0e656d25fedda579534e6174c27833ed31a"
    )
    by = {u.uscc: u for u in units}
    on = dt.date(2026, 12, 10)
    assert draw.team_cap(None, [by[t.uscc] for t in targets], 2, roster, on) == 2
    teams = draw.assign_teams(targets, by, roster, conflicts, seed, team_size=2, on=on)
    assert [t.members for t in teams] == [
        ["ZF009", "ZF008"],
        ["ZF004", "ZF008"],
        ["ZF001", "ZF009"],
        ["ZF012", "ZF001"],
    ]
    again = draw.assign_teams(
        targets,
        by,
        roster,
        conflicts,
        seed,
        team_size=2,
        on=on,
        previous={"91370300MAN5T1KL3N": {"ZF008", "ZF009"}},
    )
    assert [t.members for t in again] == [
        ["ZF001", "ZF009"],
        ["ZF004", "ZF008"],
        ["ZF001", "ZF009"],
        ["ZF012", "ZF004"],
    ]
    at_cap = {"ZF001", "ZF008", "ZF009"}
    assert (
        draw.replacement(
            teams[2].members,
            "ZF001",
            by[targets[2].uscc],
            roster,
            conflicts,
            seed,
            on,
            set(),
            at_cap,
        )
        == "ZF004"
    )
    with pytest.raises(TeamImpossible, match="no eligible inspector left to replace ZF008"):
        draw.replacement(
            teams[0].members,
            "ZF008",
            by[targets[0].uscc],
            roster,
            conflicts,
            seed,
            on,
            set(),
            at_cap,
        )
