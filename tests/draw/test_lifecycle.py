"""Draws in the database, on SQLite and PostgreSQL: frozen, idempotent, audited."""

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import SAMPLES
from shuangsui import audit, db
from shuangsui.draw import algorithm as draw
from shuangsui.draw import lifecycle, plan, plan_file, recusal
from shuangsui.draw.spec import Spec, specs_for_run

NOW = dt.datetime(2026, 11, 26, 2)
WH = "危险化学品监管科"


@pytest.fixture
def loaded(registry_engine):
    return registry_engine


def spec(**kw):
    base = dict(
        department=WH,
        year=2026,
        units=20,
        inspection_date="2026-12-10",
        public_value="2026325 福彩3D 4 7 1",
    )
    return Spec(**{**base, **kw})


def test_a_retried_commit_and_perform_never_draw_twice(loaded):
    a = lifecycle.commit(loaded, spec(), origin="run-1/WH", now=NOW)
    first = lifecycle.perform(loaded, a, now=NOW).to_json()
    assert lifecycle.commit(loaded, spec(), origin="run-1/WH", now=NOW + dt.timedelta(hours=1)) == a
    again = lifecycle.perform(loaded, a, now=NOW + dt.timedelta(hours=1)).to_json()
    assert again["targets"] == first["targets"] and again["teams"] == first["teams"]
    with loaded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.draw)).scalar_one() == 1
        assert audit.count(conn, "draw.drawn") == 1


def test_drawn_units_are_from_the_pool_half_key_and_teams_never_conflicted(loaded):
    d = lifecycle.commit(loaded, spec(), origin="o", now=NOW)
    rec = lifecycle.perform(loaded, d, now=NOW).to_json()
    folder = Path(json.loads(json.dumps(str(lifecycle.draws_dir() / d))))
    pool = {u.uscc: u for u in draw.parse_pool((folder / "pool.csv").read_text("utf-8"))}
    roster, conflicts = draw.parse_roster((folder / "roster.csv").read_text("utf-8"))
    assert len(rec["targets"]) == 20 and all(t["uscc"] in pool for t in rec["targets"])
    assert sum(t["stratum"] == "K" for t in rec["targets"]) >= 10
    for team in rec["teams"]:
        assert len(team["members"]) == 2
        assert not {(m, team["uscc"]) for m in team["members"]} & conflicts


def test_a_unit_drawn_this_year_is_left_out_of_the_next_draw(loaded):
    first = lifecycle.perform(
        loaded, lifecycle.commit(loaded, spec(units=200), origin="a", now=NOW), now=NOW
    ).to_json()
    lifecycle.decide(loaded, first["draw_id"], approved=True, by="王建国（分管副局长）", now=NOW)
    second = lifecycle.perform(
        loaded, lifecycle.commit(loaded, spec(units=200), origin="b", now=NOW), now=NOW
    ).to_json()
    assert not ({t["uscc"] for t in first["targets"]} & {t["uscc"] for t in second["targets"]})


def test_a_rejected_draws_units_count_for_nothing_and_a_redraw_names_it(loaded):
    old = lifecycle.commit(loaded, spec(units=400), origin="a", now=NOW)
    lifecycle.perform(loaded, old, now=NOW).to_json()
    lifecycle.decide(
        loaded, old, approved=False, by="leader", reason="检查日期与专项行动冲突", now=NOW
    ).to_json()
    new = lifecycle.commit(
        loaded, spec(units=400, redraw_of=old, redraw_reason="检查日期调整"), origin="b", now=NOW
    )
    rec = lifecycle.perform(
        loaded, new, now=NOW
    ).to_json()  # possible only if the rejected draw is released
    assert rec["redraw_of"] == old and rec["redraw_reason"] == "检查日期调整"
    with loaded.connect() as conn:
        old_rec = lifecycle.record(conn, old).to_json()
    assert (
        old_rec["status"] == "rejected"
        and old_rec["decision"]["reason"] == "检查日期与专项行动冲突"
    )
    assert len(old_rec["targets"]) == 400  # kept, not deleted


def test_too_few_key_units_refuses_the_draw_naming_the_rule(loaded):
    d = lifecycle.commit(
        loaded, spec(department="综合监督管理科", units=120, key_share=0.9), origin="o", now=NOW
    )
    with pytest.raises(draw.DrawRefused, match=r"R4 .*short by \d+"):
        lifecycle.perform(loaded, d, now=NOW).to_json()
    with loaded.connect() as conn:
        assert lifecycle.record(conn, d).to_json()["status"] == "refused"
        assert audit.count(conn, "draw.refused") == 1


def test_approved_recusal_brings_in_the_next_eligible_inspector(loaded):
    d = lifecycle.commit(loaded, spec(), origin="o", now=NOW)
    rec = lifecycle.perform(loaded, d, now=NOW).to_json()
    lifecycle.decide(loaded, d, approved=True, by="leader", now=NOW).to_json()
    team = rec["teams"][0]
    leaving = team["members"][0]
    rid = recusal.request_recusal(
        loaded,
        draw_id=d,
        uscc=team["uscc"],
        inspector_id=leaving,
        reason="其配偶在该单位任职",
        origin="x",
        now=NOW,
        actor="clerk",
    )
    out = recusal.decide_recusal(loaded, rid, approved=True, by="leader", now=NOW)
    with loaded.connect() as conn:
        now_rec = lifecycle.record(conn, d).to_json()
    current = next(t for t in now_rec["current_teams"] if t["uscc"] == team["uscc"])
    assert leaving not in current["members"] and out["replacement"] in current["members"]
    assert current["lead"] == out["replacement"]  # he takes the leaver's role
    assert now_rec["teams"][0]["members"] == team["members"]  # the original stays on record
    # deciding again changes nothing
    assert (
        recusal.decide_recusal(loaded, rid, approved=False, by="x", now=NOW)["decision"]
        == "approved"
    )


def test_plan_shares_add_up_over_the_rounds(loaded):
    p = plan.Plan(2026, WH, planned_units=301, random_share=0.3)
    assert p.random_units == 91
    assert [p.units_for_round(r) for r in (1, 2, 3)] == [31, 30, 30]
    with pytest.raises(plan.PlanInvalid, match="30%"):
        plan.Plan(2026, WH, 100, random_share=0.2).check()
    with pytest.raises(plan.PlanInvalid, match="每年不少于三次"):
        plan.Plan(2026, WH, 100, rounds=2).check()


def test_plans_load_from_the_bundled_file_and_are_audited(loaded):
    path = SAMPLES.parent / "plans" / "annual_plan_2026.csv"
    assert plan.save(loaded, plan_file.read_plans(path), source=str(path), actor="t", now=NOW) == 4
    assert plan.save(loaded, plan_file.read_plans(path), source=str(path), actor="t", now=NOW) == 0
    with loaded.connect() as conn:
        specs = specs_for_run(conn, {"from_plan": True, "round": 1}, today=NOW.date())
        assert audit.count(conn, "plan.saved") == 4
    assert {s.department: s.units for s in specs}[WH] == 30
    assert {s.source for s in specs} == {"fc3d"}  # the sample's 公开随机源 column: 福彩3D


def test_a_scheduled_round_names_the_source_its_plan_names(loaded):
    plans = [plan.Plan(2026, WH, 300, source="pl5"), plan.Plan(2026, "非煤矿山监管科", 100)]
    plan.save(loaded, plans, source="test", actor="t", now=NOW)
    # The scheduled run's params are the form's defaults: the plan decides the source,
    # always its first draw after commit (no day).
    conf = {"source": "fc3d", "source_date": "2026-12-01"}
    with loaded.connect() as conn:
        specs = specs_for_run(conn, conf, today=NOW.date(), scheduled_round=1)
        by = {s.department: (s.source, s.source_date) for s in specs}
        assert by == {WH: ("pl5", None), "非煤矿山监管科": ("fc3d", None)}
        # A manual from_plan run: the form's source when given, else the plan's.
        manual = specs_for_run(conn, {"from_plan": True, **conf}, today=NOW.date())
        assert {s.source for s in manual} == {"fc3d"}
        assert {s.source_date for s in manual} == {"2026-12-01"}
        manual = specs_for_run(conn, {"from_plan": True, "source": None}, today=NOW.date())
        assert {s.department: s.source for s in manual}[WH] == "pl5"


def test_a_plan_naming_an_unknown_source_is_refused(loaded, tmp_path, monkeypatch):
    with pytest.raises(plan.PlanInvalid, match="source 'ssq' is not a public random source"):
        plan.Plan(2026, WH, 100, source="ssq").check()
    monkeypatch.setenv("SHUANGSUI_DEMO_SOURCE", "0")
    with pytest.raises(plan.PlanInvalid, match="demo only with SHUANGSUI_DEMO_SOURCE=1"):
        plan.Plan(2026, WH, 100, source="demo").check()
    monkeypatch.setenv("SHUANGSUI_DEMO_SOURCE", "1")
    assert plan.Plan(2026, WH, 100, source="demo").check().source == "demo"
    path = tmp_path / "plans.csv"
    path.write_text(
        "年度,科室,计划检查户数,公开随机源\n2026,危险化学品监管科,100,体彩排列五\n"
        "2026,非煤矿山监管科,100,双色球\n",
        encoding="utf-8",
    )
    with pytest.raises(
        plan.PlanInvalid, match=r"plans\.csv: row 3, column 公开随机源: source '双色球'"
    ):
        plan_file.read_plans(path)
    path.write_text("年度,科室,计划检查户数\n2026,危险化学品监管科,100\n", encoding="utf-8")
    assert [p.source for p in plan_file.read_plans(path)] == ["fc3d"]  # no column: 福彩3D


def test_a_plans_source_is_stored_and_a_change_of_it_audited(loaded):
    plan.save(loaded, [plan.Plan(2026, WH, 100)], source="a.csv", actor="t", now=NOW)
    assert plan.save(loaded, [plan.Plan(2026, WH, 100)], source="b.csv", actor="t", now=NOW) == 0
    assert plan.save(
        loaded, [plan.Plan(2026, WH, 100, source="pl3")], source="c", actor="t", now=NOW
    )
    with loaded.connect() as conn:
        assert [p.source for p in plan.load(conn, 2026, WH)] == ["pl3"]
        event = conn.execute(
            select(db.audit_event.c.payload)
            .where(db.audit_event.c.action == "plan.saved")
            .order_by(db.audit_event.c.seq.desc())
        ).scalar()
    payload = json.loads(event)
    assert payload["public_source"] == "pl3" and payload["source"] == "c"
    assert payload["replaced"] is True


def test_a_value_given_at_trigger_time_is_never_used(loaded):
    conf = {"department": WH, "units": 5, "public_value": "2026325 福彩3D 4 7 1"}
    plan.save(loaded, [plan.Plan(2026, WH, 100)], source="t", actor="t", now=NOW)
    with loaded.connect() as conn:
        (s,) = specs_for_run(conn, conf, today=NOW.date())
        assert s.public_value == "" and s.source == "fc3d"  # a future source, never a value
        (s,) = specs_for_run(conn, {**conf, "source": "pl3"}, today=NOW.date())
        assert s.public_value == "" and s.source == "pl3"
        for run in ({"from_plan": True}, {}):
            specs = specs_for_run(
                conn, {**run, "public_value": "471"}, today=NOW.date(), scheduled_round=1
            )
            assert specs and all(s.public_value == "" and s.source for s in specs)
