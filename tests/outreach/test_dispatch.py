"""Who is told what: task sheets after approval, corrections after a recusal, nothing twice."""

import datetime as dt

import pytest

from shuangsui.documents import notices
from shuangsui.draw import lifecycle, recusal
from shuangsui.draw.spec import Spec
from shuangsui.outreach import dispatch, mail

NOW = dt.datetime(2026, 11, 26, 2)


def settings(port):
    return mail.SmtpSettings(
        host="127.0.0.1", port=port, timeout=5, sender="shuangsui@ajj.zbgx.example.cn"
    )


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


def _drawn(eng, units=4):
    spec = Spec(department="非煤矿山监管科", year=2026, units=units, inspection_date="2026-12-10")
    d = lifecycle.commit(eng, spec, origin=f"o-{units}", now=NOW)
    return d, lifecycle.perform(eng, d, now=NOW).to_json()


def _directory(eng):
    from sqlalchemy import select

    from shuangsui import db

    with eng.connect() as conn:
        units = {r.uscc: r.name for r in conn.execute(select(db.enterprise))}
        people = {r.inspector_id: r for r in conn.execute(select(db.inspector))}
    return units, people


def test_the_summary_names_every_unit_and_inspector_beside_the_codes(registry_engine):
    from shuangsui.draw.summary import summary_markdown

    eng = registry_engine
    d, rec = _drawn(eng)
    units, people = _directory(eng)
    with eng.connect() as conn:
        text = summary_markdown(conn, d)
    for team in rec["teams"]:
        row = next(x for x in text.splitlines() if team["uscc"] in x)
        assert units[team["uscc"]] in row
        lead, *members = team["members"]
        for iid in team["members"]:
            p = people[iid]
            assert f"{p.name}（{iid}，执法证号 {p.cert_no}，{p.department}）" in row
        assert f"组长 {people[lead].name}（{lead}" in row


def test_the_approval_mail_is_html_in_the_uis_words_with_the_link(registry_engine, smtp_server):
    eng = registry_engine
    d, rec = _drawn(eng)
    units, people = _directory(eng)
    link = f"http://localhost:8080/dags/double_random_draw/runs/r1/required_actions?d={d}"
    assert dispatch.queue_approval_request(eng, d, link=link, now=NOW)
    assert not dispatch.queue_approval_request(eng, d, link=link, now=NOW)  # once
    sent = mail.send_pending(eng, settings(smtp_server.port), now=NOW)
    assert sent["sent"] == 1
    [m] = smtp_server.messages
    assert m["Subject"] == f"【待审批】双随机抽查结果 {d}"
    html = m.get_body(("html",)).get_content()
    assert "<pre>" not in html and "**" not in html and "|---" not in html
    assert "<table>" in html and "<strong>" in html
    assert f'<a href="{link.replace("&", "&amp;")}">' in html
    assert "待办事项" not in html
    assert f"“{dispatch.UI_REQUIRED_ACTIONS}”" in html and f"“{dispatch.UI_RESPOND}”" in html
    assert f"“{dispatch.APPROVE}”或“{dispatch.REJECT}”" in html
    team = rec["teams"][0]
    assert units[team["uscc"]] in html and people[team["members"][0]].cert_no in html
    text = m.get_body(("plain",)).get_content()
    assert "{" not in text and "<td>" not in text and f"<{link}>" in text
    assert units[team["uscc"]] in text
    [reply_to] = m["Reply-To"].addresses
    assert reply_to.display_name == "非煤矿山监管科"
    assert m["Auto-Submitted"] == "auto-generated"


def test_the_mails_words_are_the_installed_airflow_uis_and_the_steps_options():
    """The UI labels the mail quotes are what Airflow's zh-CN UI shows; the options are the
    leader's step's."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("airflow")
    locales = Path(spec.origin).parent / "ui" / "dist" / "i18n" / "locales" / "zh-CN"
    dag = json.loads((locales / "dag.json").read_text(encoding="utf-8"))
    hitl = json.loads((locales / "hitl.json").read_text(encoding="utf-8"))
    assert dag["tabs"]["requiredActions"] == dispatch.UI_REQUIRED_ACTIONS
    assert hitl["response"]["respond"] == dispatch.UI_RESPOND

    from shuangsui_airflow import decisions

    assert (dispatch.APPROVE, dispatch.REJECT) == (decisions.APPROVE, decisions.REJECT)


@pytest.mark.parametrize("withdrawn_by_decide_step", [True, False], ids=["withdrawn", "missed"])
@pytest.mark.parametrize("approved", [True, False], ids=["approved", "rejected"])
def test_a_decided_draw_never_sends_its_approval_request(
    registry_engine, smtp_server, withdrawn_by_decide_step, approved
):
    """The mail server was down when the step began; the leader decided in the UI anyway.
    The outbox run after that sends no stale 【待审批】, whether or not the decide step
    withdrew it."""
    from sqlalchemy import select

    from shuangsui import db

    eng = registry_engine
    d, _ = _drawn(eng)
    dispatch.queue_approval_request(eng, d, link="http://x/required_actions", now=NOW)
    lifecycle.decide(eng, d, approved=approved, by="leader", reason="r", now=NOW)
    later = NOW + dt.timedelta(minutes=5)
    if withdrawn_by_decide_step:
        assert dispatch.withdraw_approval_request(eng, d, now=later) == 1
        assert dispatch.withdraw_approval_request(eng, d, now=later) == 0  # again: nothing
    result = mail.send_pending(eng, settings(smtp_server.port), now=later)
    assert result["sent"] == 0 and result["withdrawn"] == (0 if withdrawn_by_decide_step else 1)
    assert smtp_server.messages == []
    assert [s["status"] for s in mail.status(eng, d)] == [mail.OutboxStatus.WITHDRAWN]
    with eng.connect() as conn:
        events = conn.execute(
            select(db.audit_event.c.action)
            .where(db.audit_event.c.entity_key == f"approval/{d}")
            .order_by(db.audit_event.c.seq)
        ).scalars()
        assert list(events) == ["mail.queued", "mail.withdrawn"]
    # and a queued request is never sent again under the same key
    assert not dispatch.queue_approval_request(eng, d, link=None, now=later)
    assert mail.send_pending(eng, settings(smtp_server.port), now=later)["sent"] == 0
