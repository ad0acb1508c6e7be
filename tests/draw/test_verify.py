"""Verifying a published draw (shuangsui.draw.verify): an honest record matches, and every kind
of tampering is caught with a detail that says what differs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shuangsui.draw import algorithm as draw
from shuangsui.draw import verify
from shuangsui.draw.algorithm import Inspector, Unit

ON = dt.date(2026, 12, 10)
SECRET = "5f1c0e9a7b3d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"
# A two-phase draw: committed at 10:00 Beijing time, naming that evening's 福彩3D (21:15);
# the value entered and confirmed at 21:40, the draw at 21:45.
COMMITTED_AT, ENTERED_AT, DRAWN_AT = (
    "2026-11-26T02:00:00Z",
    "2026-11-26T13:40:00Z",
    "2026-11-26T13:45:00Z",
)
SOURCE = {
    "kind": "fc3d",
    "name": "福彩3D",
    "id": "fc3d:2026-11-26",
    "label": "2026年11月26日福彩3D开奖号码",
    "due_at": "2026-11-26T13:15:00Z",
    "digits": 3,
}
VALUE = "385"  # with this seed every sample draw below can be staffed
SEED = draw.seed(SECRET, VALUE, SOURCE["id"])
PUBLIC = "2026325 福彩3D 4 7 1"  # a legacy record's value, given at commit
DRAW_ID = "2026-WH-0a1b2c3d4e"
WH, GM = "危险化学品监管科", "工贸监管科"


def sample_pool() -> list[Unit]:
    units = []
    for i in range(30):
        dep = WH if i % 3 else GM
        industry = ["危险化学品", "冶金", "工贸", "机械"][i % 4]
        stratum = draw.KEY if industry in ("危险化学品", "冶金") or i % 7 == 0 else draw.OTHER
        units.append(Unit(f"913703{i:012d}", stratum, dep, industry))
    return units


def sample_roster() -> list[Inspector]:
    return [
        Inspector(
            f"ZF{j:03d}",
            WH if j % 2 else GM,
            frozenset({"冶金"}) if j % 3 == 0 else frozenset(),
            dt.date(2028, 1, 1) if j != 5 else dt.date(2026, 1, 1),
            j != 7,
        )
        for j in range(1, 15)
    ]


def current_of(teams: list[draw.Team], seed: str) -> list[dict]:
    """current_teams as lifecycle.record().to_json() lists them: lead first, then by
    inspector rank."""
    out = []
    for t in teams:
        rest = sorted(t.members[1:], key=lambda m: (draw.inspector_rank(seed, t.uscc, m), m))
        out.append({"uscc": t.uscc, "lead": t.lead, "members": [t.lead] + rest})
    return out


def write_draw(
    folder: Path,
    *,
    n=6,
    team_size=2,
    previous=None,
    conflicts=None,
    units=None,
    roster=None,
    status="approved",
    key_share=0.5,
    legacy=False,
) -> dict:
    """A draw made with shuangsui.draw.algorithm alone, published in the layout
    lifecycle.perform writes: two-phase (SOURCE, VALUE), or with `legacy` a draw given its
    public value at commit."""
    folder.mkdir(parents=True, exist_ok=True)
    units = units if units is not None else sample_pool()
    roster = roster if roster is not None else sample_roster()
    conflicts = (
        conflicts if conflicts is not None else {("ZF001", units[1].uscc), ("ZF004", units[3].uscc)}
    )
    previous = previous or {}
    seed = draw.seed(SECRET, PUBLIC) if legacy else SEED
    pool_text = draw.pool_snapshot(units)
    roster_text = draw.roster_snapshot(roster, conflicts)
    (folder / "pool.csv").write_text(pool_text, encoding="utf-8", newline="\n")
    (folder / "roster.csv").write_text(roster_text, encoding="utf-8", newline="\n")
    params = {
        "department": WH,
        "kind": "年度计划",
        "year": 2026,
        "round": 1,
        "units": n,
        "ratio": None,
        "key_share": key_share,
        "team_size": team_size,
        "industries": [],
        "public_value": PUBLIC if legacy else "",
        "source": None if legacy else "fc3d",
        "inspection_date": ON.isoformat(),
        "allow_shortfall": False,
        "max_per_inspector": None,
        "redraw_of": None,
        "redraw_reason": None,
    }
    rec = {
        "algorithm": draw.ALGORITHM,
        "draw_id": DRAW_ID,
        "kind": "年度计划",
        "year": 2026,
        "round": 1,
        "department": WH,
        "status": status,
        "params": params,
        "code_version": "shuangsui 0.1.0",
        "pool": {"sha256": draw.sha256_hex(pool_text), "size": len(units), "snapshot": "pool.csv"},
        "roster": {"sha256": draw.sha256_hex(roster_text), "snapshot": "roster.csv"},
        "commitment": draw.commitment(SECRET),
        "public_source": None if legacy else dict(SOURCE),
        "public_value": PUBLIC if legacy else VALUE,
        "public_value_entry": None
        if legacy
        else {"at": ENTERED_AT, "by": "clerk", "confirmed_by": "clerk2"},
        "committed_at": COMMITTED_AT,
        "drawn_at": DRAWN_AT,
        "secret": SECRET,
        "seed": seed,
        "targets": [],
        "teams": [],
        "current_teams": [],
        "previous_inspectors": {k: sorted(v) for k, v in previous.items()},
        "recusals": [],
        "refusal": None,
        "redraw_of": None,
        "redraw_reason": None,
        "decision": {"by": None, "at": None, "reason": None},
    }
    try:
        targets = draw.select_targets(units, seed, DRAW_ID, n, key_share)
        teams = draw.assign_teams(
            targets,
            {u.uscc: u for u in units},
            roster,
            conflicts,
            seed,
            team_size=team_size,
            on=ON,
            previous=previous,
        )
    except (draw.DrawRefused, draw.TeamImpossible) as e:
        rec.update(status="refused", refusal=str(e))
    else:
        rec["targets"] = [
            {"position": t.position, "uscc": t.uscc, "stratum": t.stratum, "rank": t.rank}
            for t in targets
        ]
        rec["teams"] = [{"uscc": t.uscc, "members": list(t.members)} for t in teams]
        rec["current_teams"] = current_of(teams, seed)
    save(folder, rec)
    return rec


def save(folder: Path, rec: dict) -> Path:
    path = folder / "record.json"
    path.write_text(json.dumps(rec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def failed(v: verify.Verification) -> dict[str, str]:
    return {c.name: c.detail for c in v.checks if not c.ok}


@pytest.fixture
def published(tmp_path):
    folder = tmp_path / DRAW_ID
    return folder, write_draw(folder)


def test_an_honest_draw_matches_on_every_check(published):
    folder, _ = published
    v = verify.verify_record(folder / "record.json")
    assert v.ok, v
    assert [c.name for c in v.checks] == [
        "algorithm",
        "commitment",
        "seed",
        "public source",
        "pool snapshot",
        "roster snapshot",
        "targets",
        "teams",
        "team rules (R2, R3)",
        "current teams",
    ]
    assert not any(c.skipped for c in v.checks)
    assert v.lines()[-1] == "MATCH" and v.draw_id == DRAW_ID


def test_a_changed_target_is_a_mismatch_naming_its_position(published):
    folder, rec = published
    rec["targets"][2]["uscc"] = "913703000000000999"
    v = verify.verify_record(save(folder, rec))
    assert not v.ok and v.lines()[-1] == "MISMATCH"
    detail = failed(v)["targets"]
    assert "first difference at position 3" in detail
    assert "recorded 913703000000000999" in detail and "differs in uscc" in detail
    assert "1 of 6 positions differ" in detail


def test_a_dropped_target_is_a_mismatch(published):
    folder, rec = published
    rec["targets"].pop()
    detail = failed(verify.verify_record(save(folder, rec)))["targets"]
    assert "position 6" in detail and "expected 6 targets, recorded 5" in detail


def test_a_changed_seed_is_a_mismatch_showing_both(published):
    folder, rec = published
    honest = rec["seed"]
    rec["seed"] = "0" * 64
    v = verify.verify_record(save(folder, rec))
    assert set(failed(v)) == {"seed"}  # the draw itself is re-computed from the secret
    assert honest in failed(v)["seed"] and "0" * 64 in failed(v)["seed"]


def test_a_secret_other_than_the_committed_one_is_a_mismatch(published):
    folder, rec = published
    rec["secret"] = "guessed-after-the-fact"
    rec["seed"] = draw.seed(rec["secret"], VALUE, SOURCE["id"])
    f = failed(verify.verify_record(save(folder, rec)))
    assert "not the one committed to" in f["commitment"]
    assert "targets" in f  # another seed, another draw


def test_one_changed_byte_of_the_pool_is_a_mismatch(published):
    folder, _ = published
    data = bytearray((folder / "pool.csv").read_bytes())
    i = data.index(b"\n91370300000000000") + 18  # the last digit of a USCC
    data[i] = ord("9") if data[i] != ord("9") else ord("8")
    (folder / "pool.csv").write_bytes(bytes(data))
    detail = failed(verify.verify_record(folder / "record.json"))["pool snapshot"]
    assert "SHA-256 of pool.csv is" in detail and "the record says" in detail


def test_a_pool_given_elsewhere_is_used(published, tmp_path):
    folder, _ = published
    other = tmp_path / "download.csv"
    other.write_bytes((folder / "pool.csv").read_bytes())
    (folder / "pool.csv").unlink()
    assert verify.verify_record(folder / "record.json", pool_path=other).ok
    v = verify.verify_record(folder / "record.json")
    assert "cannot read" in failed(v)["pool snapshot"]


def test_a_pool_with_a_unit_twice_is_not_canonical(published):
    folder, rec = published
    text = (folder / "pool.csv").read_text("utf-8")
    uscc, stratum, rest = text.split("\n")[1].split(",", 2)
    twin = f"{uscc},{'O' if stratum == 'K' else 'K'},{rest}"  # the same unit in both strata
    text = text.replace(f"{uscc},{stratum},{rest}\n", f"{uscc},{stratum},{rest}\n{twin}\n")
    (folder / "pool.csv").write_text(text, encoding="utf-8", newline="\n")
    rec["pool"].update(sha256=draw.sha256_hex(text), size=rec["pool"]["size"] + 1)
    detail = failed(verify.verify_record(save(folder, rec)))["pool snapshot"]
    assert "not canonical" in detail and "appears twice" in detail


def test_swapped_team_members_are_a_mismatch_about_the_lead(published):
    folder, rec = published
    rec["teams"][1]["members"].reverse()
    detail = failed(verify.verify_record(save(folder, rec)))["teams"]
    uscc = rec["teams"][1]["uscc"]
    assert f"team 2 (unit {uscc})" in detail
    assert "same inspectors, different order" in detail and "lead" in detail


def test_a_conflicted_inspector_on_a_team_is_caught(tmp_path):
    units = sample_pool()
    seed = SEED
    first = draw.select_targets(units, seed, DRAW_ID, 6)[0].uscc
    folder = tmp_path / "d"
    rec = write_draw(folder, conflicts={("ZF003", first), ("ZF009", first)})
    assert verify.verify_record(folder / "record.json").ok
    rec["teams"][0]["members"][1] = "ZF003"
    rec["current_teams"][0]["members"] = rec["teams"][0]["members"]
    f = failed(verify.verify_record(save(folder, rec)))
    assert (
        "inspector ZF003 has a conflict of interest (回避关系) with the unit (R3)"
        in f["team rules (R2, R3)"]
    )
    assert "teams" in f


def test_an_unqualified_or_lone_inspector_is_caught(published):
    folder, rec = published
    rec["teams"][0]["members"] = ["ZF005"]  # 执法证 expired at the start of 2026
    f = failed(verify.verify_record(save(folder, rec)))["team rules (R2, R3)"]
    assert "1 member(s), at least 2 are required (R2)" in f
    assert "ZF005 is not qualified on 2026-12-10" in f


def test_a_committed_draw_checks_only_the_commitment_stage(published):
    folder, rec = published
    for k in ("secret", "seed"):
        rec[k] = None
    rec.update(status="committed", targets=[], teams=[], current_teams=[])
    v = verify.verify_record(save(folder, rec))
    assert v.ok and v.status == "committed"
    names = [c.name for c in v.checks]
    assert "targets" not in names and names[-1] == "targets and teams"
    assert "secret is not published yet" in v.checks[1].detail
    # the commitment cannot be opened nor the draw re-computed yet: not a bare MATCH
    assert {c.name for c in v.not_checked()} == {"commitment", "targets and teams"}
    assert v.lines()[-2:] == [
        "not checked: commitment, targets and teams — see the SKIP and PART lines",
        "PARTIAL MATCH",
    ]


def source_check(v: verify.Verification) -> verify.Check:
    return next(c for c in v.checks if c.name == "public source")


def test_a_source_named_before_it_drew_and_entered_before_the_draw_passes(published):
    folder, _ = published
    check = source_check(verify.verify_record(folder / "record.json"))
    assert check.ok and not check.skipped and not check.unchecked
    assert check.detail == (
        "2026年11月26日福彩3D开奖号码: due at 2026-11-26T13:15:00Z, after the commit at "
        "2026-11-26T02:00:00Z; its value entered at 2026-11-26T13:40:00Z, before the draw "
        "at 2026-11-26T13:45:00Z"
    )


@pytest.mark.parametrize("due_at", [COMMITTED_AT, "2026-11-25T13:15:00Z"])
def test_a_source_due_at_or_before_the_commit_is_a_mismatch(published, due_at):
    """Its value could have been known when the draw committed to it."""
    folder, rec = published
    rec["public_source"]["due_at"] = due_at
    rec["public_value_entry"]["at"] = "2026-11-26T01:00:00Z"
    v = verify.verify_record(save(folder, rec))
    assert not v.ok and v.lines()[-1] == "MISMATCH"
    assert failed(v)["public source"] == (
        f"2026年11月26日福彩3D开奖号码 was due at {due_at}, at or before the commit at "
        "2026-11-26T02:00:00Z: its value could have been known at commit"
    )


def test_a_value_entered_before_the_source_was_due_or_after_the_draw_is_a_mismatch(published):
    folder, rec = published
    rec["public_value_entry"]["at"] = "2026-11-26T13:14:59Z"  # before 21:15 Beijing time
    detail = failed(verify.verify_record(save(folder, rec)))["public source"]
    assert detail == (
        "its value was entered at 2026-11-26T13:14:59Z, before 2026年11月26日福彩3D开奖号码 "
        "was due at 2026-11-26T13:15:00Z: it cannot be that draw's result"
    )
    rec["public_value_entry"]["at"] = "2026-11-26T13:45:01Z"  # after the draw
    detail = failed(verify.verify_record(save(folder, rec)))["public source"]
    assert "after the draw at 2026-11-26T13:45:00Z" in detail
    # Entered the moment the source was due, drawn the moment it was entered: in order.
    rec["public_value_entry"]["at"] = rec["drawn_at"] = SOURCE["due_at"]
    assert source_check(verify.verify_record(save(folder, rec))).ok


def test_a_drawn_record_without_its_entry_time_is_checked_in_part(published):
    folder, rec = published
    rec["public_value_entry"] = None
    v = verify.verify_record(save(folder, rec))
    assert v.ok and not v.complete
    assert source_check(v).unchecked == "when its value was entered (no entry time)"
    assert v.lines()[-1] == "PARTIAL MATCH"


def test_a_legacy_record_shows_skip_for_the_public_source(tmp_path):
    """A value given at commit: nothing shows it was unknown then, so never a bare MATCH."""
    write_draw(tmp_path, legacy=True)
    v = verify.verify_record(tmp_path / "record.json")
    check = source_check(v)
    assert v.ok and check.skipped and not v.complete
    assert check.line() == (
        "SKIP  public source: the draw named no future public source: its public value "
        "'2026325 福彩3D 4 7 1' was given at commit, so nothing shows it was unknown then"
    )
    assert v.lines()[-2:] == [
        "not checked: public source — see the SKIP and PART lines",
        "PARTIAL MATCH",
    ]


def test_an_abandoned_draw_checks_only_that_its_source_was_due_after_the_commit(published):
    folder, rec = published
    rec.update(status="abandoned", seed=None, targets=[], teams=[], current_teams=[])
    rec.update(public_value="", drawn_at=None, abandoned_reason="该期因春节休市未开奖")
    rec["public_value_entry"] = {"at": None, "by": None, "confirmed_by": None}
    v = verify.verify_record(save(folder, rec))
    assert [c.name for c in v.checks] == ["commitment", "public source", "targets and teams"]
    assert v.ok and source_check(v).detail.endswith("abandoned (作废) before its value was used")
    rec["public_source"]["due_at"] = "2026-11-26T01:59:59Z"
    assert (
        "could have been known at commit"
        in failed(verify.verify_record(save(folder, rec)))["public source"]
    )


def test_a_commitment_file_verifies_its_pool_and_roster(published):
    """commitment.json, published before the draw, has no status and a flat roster hash."""
    folder, rec = published
    pre = {
        "draw_id": DRAW_ID,
        "algorithm": draw.ALGORITHM,
        "params": rec["params"],
        "pool": {
            "sha256": rec["pool"]["sha256"],
            "size": 30,
            "key": sum(u.stratum == draw.KEY for u in sample_pool()),
        },
        "roster_sha256": rec["roster"]["sha256"],
        "code_version": "shuangsui 0.1.0",
        "commitment": rec["commitment"],
        "public_value": PUBLIC,
        "committed_at": "2026-11-26T02:00:00Z",
    }
    path = folder / "commitment.json"
    path.write_text(json.dumps(pre, ensure_ascii=False), encoding="utf-8")
    v = verify.verify_record(path)
    assert v.ok and v.status == "committed", v
    pre["pool"]["key"] += 1
    path.write_text(json.dumps(pre, ensure_ascii=False), encoding="utf-8")
    assert "key (K) units, the record says" in failed(verify.verify_record(path))["pool snapshot"]


def test_without_the_roster_the_teams_are_skipped_not_failed(published):
    folder, _ = published
    (folder / "roster.csv").unlink()
    v = verify.verify_record(folder / "record.json")
    assert v.ok and not v.complete
    assert {c.name for c in v.checks if c.skipped} == {"roster snapshot", "teams"}
    rules = next(c for c in v.checks if c.name == "team rules (R2, R3)")
    assert not rules.skipped and "qualifications and conflicts" in rules.unchecked
    # but a roster asked for by name must be there
    v = verify.verify_record(folder / "record.json", roster_path=folder / "nowhere.csv")
    assert not v.ok and "cannot read" in failed(v)["roster snapshot"]


def test_a_record_verified_without_the_roster_says_skip_not_a_bare_match(published, capsys):
    """What could not be checked is never reported as matching: SKIP lines that say why,
    and PARTIAL MATCH, exit 0 (nothing checked differs)."""
    from shuangsui import cli

    folder, _ = published
    (folder / "roster.csv").unlink()
    assert cli.main(["verify", str(folder / "record.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "MATCH" not in lines and lines[-1] == "PARTIAL MATCH"
    assert lines[-2] == (
        "not checked: roster snapshot, teams, team rules (R2, R3) (in part) "
        "— see the SKIP and PART lines"
    )
    by_name = {line.split(":", 1)[0][6:]: line for line in lines[:-2]}
    assert by_name["roster snapshot"].startswith("SKIP  roster snapshot: not checked: roster.csv")
    assert "not found beside the record" in by_name["roster snapshot"]
    assert by_name["teams"].startswith("SKIP  teams: not re-computed: no roster snapshot")
    assert by_name["team rules (R2, R3)"].startswith("PART  team rules (R2, R3): 6 teams:")
    assert by_name["team rules (R2, R3)"].endswith(
        "not checked: qualifications and conflicts of interest (no roster snapshot)"
    )
    assert all(line.startswith("PASS  ") for n, line in by_name.items() if n in ("targets", "seed"))
    # with the roster, every check is made: a bare MATCH
    (folder / "roster.csv").write_text(
        draw.roster_snapshot(
            sample_roster(), {("ZF001", sample_pool()[1].uscc), ("ZF004", sample_pool()[3].uscc)}
        ),
        encoding="utf-8",
        newline="\n",
    )
    assert cli.main(["verify", str(folder / "record.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "MATCH" and not any(line.startswith(("SKIP", "PART")) for line in lines)


def test_a_recusal_replayed_without_the_roster_is_checked_in_part(published):
    folder, rec = published
    team = rec["teams"][0]
    uscc, leaving = team["uscc"], team["members"][1]
    rec["recusals"] = [
        {"uscc": uscc, "inspector_id": leaving, "decision": "approved", "replacement": "ZF014"}
    ]
    rec["current_teams"][0] = {
        "uscc": uscc,
        "lead": team["members"][0],
        "members": [team["members"][0], "ZF014"],
    }
    (folder / "roster.csv").unlink()
    v = verify.verify_record(save(folder, rec))
    check = next(c for c in v.checks if c.name == "recusals (R3)")
    assert v.ok and check.ok and "next in rank order (no roster snapshot)" in check.unchecked
    assert check.line().startswith("PART  recusals (R3): 1 approved recusal(s) of 1")
    assert "recusals (R3) (in part)" in v.lines()[-2] and v.lines()[-1] == "PARTIAL MATCH"


def test_previous_inspectors_in_the_record_are_part_of_the_draw(tmp_path):
    plain = write_draw(tmp_path / "a")
    first = plain["teams"][0]
    previous = {first["uscc"]: set(first["members"])}
    rec = write_draw(tmp_path / "b", previous=previous)
    assert rec["teams"][0]["members"] != first["members"]  # avoided this time
    assert not set(rec["teams"][0]["members"]) & set(first["members"])
    assert verify.verify_record(tmp_path / "b" / "record.json").ok
    rec["previous_inspectors"] = {}
    detail = failed(verify.verify_record(save(tmp_path / "b", rec)))["teams"]
    assert "team 1" in detail


def test_recusals_are_replayed_in_rank_order(published):
    folder, rec = published
    seed = SEED
    units = {u.uscc: u for u in sample_pool()}
    roster, conflicts = (
        sample_roster(),
        {("ZF001", sample_pool()[1].uscc), ("ZF004", sample_pool()[3].uscc)},
    )
    team = rec["teams"][0]
    uscc, leaving = team["uscc"], team["members"][0]
    now = {t["uscc"]: list(t["members"]) for t in rec["teams"]}
    cap = draw.team_cap(None, [units[t["uscc"]] for t in rec["targets"]], 2, roster, ON)
    new = draw.replacement_after_recusal(
        now, uscc, leaving, units[uscc], roster, conflicts, seed, ON, set(), set(), cap
    )
    assert new and new not in team["members"]
    rec["recusals"] = [
        {"uscc": uscc, "inspector_id": leaving, "decision": "approved", "replacement": new},
        {
            "uscc": uscc,
            "inspector_id": team["members"][1],
            "decision": "rejected",
            "replacement": None,
        },
    ]
    members = [new, team["members"][1]]  # he takes the lead's role
    rec["current_teams"][0] = {"uscc": uscc, "lead": new, "members": members}
    v = verify.verify_record(save(folder, rec))
    assert v.ok, v
    # a hand-picked replacement, even an eligible one, is a mismatch
    other = next(
        i.inspector_id
        for i in roster
        if i.inspector_id not in (new, *team["members"])
        and i.qualified(units[uscc], ON)
        and (i.inspector_id, uscc) not in conflicts
    )
    rec["recusals"][0]["replacement"] = other
    rec["current_teams"][0] = {"uscc": uscc, "lead": other, "members": [other, team["members"][1]]}
    detail = failed(verify.verify_record(save(folder, rec)))["recusals (R3)"]
    assert f"expected replacement {new}" in detail and f"recorded {other}" in detail


def test_current_teams_must_follow_from_the_recusals(published):
    folder, rec = published
    rec["current_teams"][0]["members"][1] = "ZF014"
    detail = failed(verify.verify_record(save(folder, rec)))["current teams"]
    assert "current team 1" in detail and "ZF014" in detail


def test_a_refused_draw_verifies_its_refusal(tmp_path):
    key = [u for u in sample_pool() if u.stratum == draw.KEY]
    units = [u for u in sample_pool() if u.stratum == draw.OTHER] + key[:2]
    rec = write_draw(tmp_path, units=units, n=10)
    assert rec["status"] == "refused" and "only 2 (short by 3)" in rec["refusal"]
    v = verify.verify_record(tmp_path / "record.json")
    assert v.ok, v
    assert "refused as recorded" in next(c for c in v.checks if c.name == "targets").detail
    rec["refusal"], rec["status"] = None, "drawn"
    assert (
        "the algorithm refuses this draw"
        in failed(verify.verify_record(save(tmp_path, rec)))["targets"]
    )


def test_another_algorithm_or_a_broken_record_is_reported(published, tmp_path):
    folder, rec = published
    rec["algorithm"] = "shuangsui-draw-v0"
    assert (
        "this verifier implements" in failed(verify.verify_record(save(folder, rec)))["algorithm"]
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    v = verify.verify_record(bad)
    assert not v.ok and "not UTF-8 JSON" in failed(v)["record"]


def test_a_draw_made_in_the_database_verifies(engine, tmp_path, monkeypatch):
    """The record lifecycle.perform and recusal.decide_recusal publish is what verify reads."""
    from conftest import SAMPLES
    from shuangsui.draw import lifecycle, recusal
    from shuangsui.draw.spec import Spec
    from shuangsui.intake import pipeline as registry

    now = dt.datetime(2026, 11, 26, 2)
    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    with engine.connect() as conn:
        prep = registry.prepare(conn, registry.land(str(SAMPLES)), run_id="r", today=now.date())
    registry.apply(engine, prep, now=now - dt.timedelta(days=1))
    spec = Spec(
        department=WH, year=2026, units=20, inspection_date="2026-12-10", public_value=PUBLIC
    )
    d = lifecycle.commit(engine, spec, origin="verify-test", now=now)
    folder = lifecycle.draws_dir() / d
    committed = verify.verify_record(folder / "commitment.json")
    assert committed.ok and committed.status == "committed", committed
    rec = lifecycle.perform(engine, d, now=now).to_json()
    lifecycle.decide(engine, d, approved=True, by="leader", now=now).to_json()
    for n, team in enumerate(rec["teams"][:2]):
        rid = recusal.request_recusal(
            engine,
            draw_id=d,
            uscc=team["uscc"],
            inspector_id=team["members"][n % 2],
            reason="亲属在该单位任职",
            origin=f"r{n}",
            now=now,
            actor="clerk",
        )
        recusal.decide_recusal(engine, rid, approved=True, by="leader", now=now)
    v = verify.verify_record(folder / "record.json")
    assert v.ok, v
    assert "2 approved recusal(s)" in next(c for c in v.checks if c.name == "recusals (R3)").detail


def test_a_draw_refused_for_want_of_a_team_verifies_its_refusal(tmp_path):
    roster = [
        Inspector("ZF001", WH, frozenset(), dt.date(2028, 1, 1), True),
        Inspector("ZF002", GM, frozenset(), dt.date(2028, 1, 1), True),
    ]
    units = [u for u in sample_pool() if u.department == WH]
    rec = write_draw(tmp_path, units=units, roster=roster, conflicts=set())
    assert rec["status"] == "refused" and rec["targets"] == []
    v = verify.verify_record(tmp_path / "record.json")
    assert v.ok, v
    assert "refused as recorded: unit" in next(c for c in v.checks if c.name == "teams").detail


def test_the_plain_python_script_in_the_docs_agrees(published):
    """docs/draw-algorithm.md shows a verifier without this package; it must stay right."""
    import subprocess
    import sys

    doc = (Path(__file__).resolve().parents[2] / "docs" / "draw-algorithm.md").read_text("utf-8")
    script = doc.split("<!-- plain-verify -->", 1)[1].split("```python\n", 1)[1].split("```")[0]
    folder, rec = published
    (folder / "check.py").write_text(script, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "check.py", "record.json", "pool.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == [
        "commitment",
        "True",
        "seed",
        "True",
        "pool",
        "hash",
        "True",
        "targets",
        "MATCH",
    ]
    rec["targets"][0], rec["targets"][1] = rec["targets"][1], rec["targets"][0]
    save(folder, rec)
    out = subprocess.run(
        [sys.executable, "check.py", "record.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.rstrip().endswith("MISMATCH")


def test_the_plain_python_teams_script_in_the_docs_agrees(tmp_path):
    """The teams script of docs/draw-algorithm.md re-draws the teams with the roster: it
    agrees with the package on caps, conflicts and previous teams, and sees a swap."""
    import subprocess
    import sys

    doc = (Path(__file__).resolve().parents[2] / "docs" / "draw-algorithm.md").read_text("utf-8")
    script = doc.split("<!-- plain-verify-teams -->", 1)[1].split("```python\n", 1)[1]
    script = script.split("```")[0]

    def run(folder, *files):
        (folder / "check_teams.py").write_text(script, encoding="utf-8")
        return subprocess.run(
            [sys.executable, "check_teams.py", "record.json", *files],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()

    plain = write_draw(tmp_path / "plain", n=10, team_size=3)
    first = plain["teams"][0]
    cases = {
        "plain": plain,
        "previous": write_draw(
            tmp_path / "previous", n=10, team_size=3, previous={first["uscc"]: first["members"]}
        ),
        "no conflicts": write_draw(tmp_path / "no conflicts", conflicts=set()),
    }
    for name, rec in cases.items():
        assert rec["status"] == "approved" and rec["teams"], name
        assert verify.verify_record(tmp_path / name / "record.json").complete, name
        assert run(tmp_path / name) == ["roster", "hash", "True", "teams", "MATCH"], name
    assert cases["previous"]["teams"][0] != first  # the previous team made a difference
    folder, rec = tmp_path / "plain", cases["plain"]
    rec["teams"][3]["members"].reverse()
    save(folder, rec)
    assert run(folder, "pool.csv", "roster.csv")[-1] == "MISMATCH"
