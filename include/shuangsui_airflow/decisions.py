"""The 分管领导's decision step (human in the loop): 批准 or 驳回, with an optional remark.

Only the configured leaders (shuangsui.config.leaders) may answer: the step is assigned to
their Airflow logins, so the API refuses anyone else (403), and the task reading the
answer refuses it again if it came from someone who is not a leader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from shuangsui import config
from shuangsui.core.clock import to_utc_naive, utcnow

APPROVE, REJECT = "批准", "驳回"


class NotALeader(AirflowFailException):
    """An answer from someone who may not decide (第七条(二)): fails the task, never
    retried."""


@dataclass(frozen=True)
class Decision:
    approved: bool
    by: str  # the leader's name and title, as records and documents show him
    user: str  # his Airflow login
    reason: str
    at: dt.datetime  # when he answered (naive UTC)


def leader_decision(task_id: str, subject: str, body: Any, **kwargs: Any):
    """A HITL step for the 分管领导, assigned to the configured leaders. `body` may be a
    template or an upstream task's output (an XComArg), which also makes that task its
    upstream."""
    from airflow.providers.standard.operators.hitl import HITLOperator
    from airflow.sdk import Param

    return HITLOperator(
        task_id=task_id,
        subject=subject,
        body=body,
        options=[APPROVE, REJECT],
        params={"reason": Param("", type="string", title="意见（驳回时请写明理由）")},
        assigned_users=[{"id": x.user, "name": x.name} for x in config.leaders()],
        **kwargs,
    )


def read_decision(answer: dict) -> Decision:
    """The decision in a leader_decision step's result; NotALeader if whoever answered
    is not a configured leader."""
    user = answer.get("responded_by_user") or {}
    login = str(user.get("id") or "")
    who = config.leader(login)
    if who is None:
        raise NotALeader(
            f"用户 {login or '（未知）'} 不是配置的分管领导，其答复无效 "
            f"(user {login!r} is not one of SHUANGSUI_LEADERS)"
        )
    at = answer.get("responded_at")
    return Decision(
        approved=answer["chosen_options"] == [APPROVE],
        by=who.signature,
        user=login,
        reason=(answer.get("params_input") or {}).get("reason", ""),
        at=_moment(at) if at else utcnow(),
    )


def _moment(at: str | dt.datetime) -> dt.datetime:
    """The answer's time (an ISO string or a datetime, as XCom returns it), naive UTC;
    a plain datetime, not pendulum's subclass."""
    t = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    return dt.datetime.fromisoformat(to_utc_naive(t).isoformat())
