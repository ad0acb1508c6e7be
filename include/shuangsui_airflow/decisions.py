"""The 分管领导's decision step (human in the loop): 批准 or 驳回, with an optional remark."""

from __future__ import annotations

from typing import Any

APPROVE, REJECT = "批准", "驳回"


def leader_decision(task_id: str, subject: str, body: Any, **kwargs: Any):
    """A HITL step for the 分管领导. `body` may be a template or an upstream task's output
    (an XComArg), which also makes that task its upstream."""
    from airflow.providers.standard.operators.hitl import HITLOperator
    from airflow.sdk import Param

    return HITLOperator(
        task_id=task_id,
        subject=subject,
        body=body,
        options=[APPROVE, REJECT],
        params={"reason": Param("", type="string", title="意见（驳回时请写明理由）")},
        **kwargs,
    )


def read_decision(answer: dict) -> tuple[bool, str, str]:
    """(approved, who answered, his remark) from a leader_decision step's result."""
    user = answer.get("responded_by_user") or {}
    return (
        answer["chosen_options"] == [APPROVE],
        user.get("name") or user.get("id") or "unknown",
        (answer.get("params_input") or {}).get("reason", ""),
    )
