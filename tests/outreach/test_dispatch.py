"""Who is told what: task sheets after approval, corrections after a recusal, nothing twice."""

import datetime as dt

import pytest

from shuangsui.documents import notices
from shuangsui.draw import lifecycle, recusal
from shuangsui.draw.spec import Spec
from shuangsui.outreach import dispatch, mail

NOW = dt.datetime(2026, 11, 26, 2)


def test_task_sheets_are_queued_once_and_a_recusal_sends_corrections_only(registry_engine):
    eng = registry_engine
    spec = Spec(department="非煤矿山监管科", year=2026, units=4, inspection_date="2026-12-10")
    d = lifecycle.commit(eng, spec, origin="o", now=NOW)
    rec = lifecycle.perform(eng, d, now=NOW).to_json()
    with pytest.raises(ValueError, match="nothing is sent before"):
        dispatch.queue_task_sheets(eng, d, now=NOW)
    lifecycle.decide(eng, d, approved=True, by="leader", now=NOW).to_json()
    notices.render_draw(eng, d, now=NOW)
    inspectors = {m for t in rec["teams"] for m in t["members"]}
    assert dispatch.queue_task_sheets(eng, d, now=NOW) == len(inspectors)
    assert dispatch.queue_task_sheets(eng, d, now=NOW) == 0  # nothing twice

    team = rec["teams"][0]
    rid = recusal.request_recusal(
        eng,
        draw_id=d,
        uscc=team["uscc"],
        inspector_id=team["members"][1],
        reason="近亲属在该单位任职",
        origin="r",
        now=NOW,
        actor="clerk",
    )
    out = recusal.decide_recusal(eng, rid, approved=True, by="leader", now=NOW)
    notices.render_draw(eng, d, now=NOW + dt.timedelta(hours=1))
    corrected = dispatch.queue_task_sheets(eng, d, now=NOW + dt.timedelta(hours=1))
    subjects = [m["message_key"] for m in mail.status(eng)]
    assert corrected >= 2  # the one who left and the one who came (and the lead's new sheet)
    assert any(out["replacement"] in k for k in subjects[len(inspectors) :])
    assert any(team["members"][1] in k for k in subjects[len(inspectors) :])
