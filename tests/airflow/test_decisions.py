"""The 分管领导's answer as the decide step reads it: only a configured leader, 批准 with no
remark, 驳回 only with its reason."""

import pytest

from shuangsui_airflow import decisions


def answer(option, reason=None, user="leader"):
    return {
        "chosen_options": [option],
        "params_input": {"reason": reason},
        "responded_by_user": {"id": user, "name": user},
        "responded_at": "2026-12-02T01:02:03+00:00",
    }


def test_approval_needs_no_remark_and_is_stamped_when_answered():
    d = decisions.read_decision(answer("批准"))
    assert d.approved and d.reason == "" and d.by == "王建国（分管副局长）"
    assert d.at.isoformat() == "2026-12-02T01:02:03"
    # The form lets 批准 through with the remark left empty (None is valid).
    op = decisions.leader_decision("approve", "审批", "正文")
    op.params.validate()
    assert op.params["reason"] is None


def test_a_rejection_without_its_reason_is_refused_and_one_with_it_recorded():
    with pytest.raises(decisions.ReasonMissing, match="驳回须写明理由"):
        decisions.read_decision(answer("驳回", "  "))
    d = decisions.read_decision(answer("驳回", "抽取范围有误"))
    assert (d.approved, d.reason) == (False, "抽取范围有误")


def test_only_a_configured_leader_decides():
    with pytest.raises(decisions.NotALeader):
        decisions.read_decision(answer("批准", user="clerk"))
