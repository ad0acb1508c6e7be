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
from shuangsui_airflow import hitl

APPROVE, REJECT = "批准", "驳回"


class NotALeader(AirflowFailException):
    """An answer from someone who may not decide (第七条(二)): fails the task, never
    retried."""


class ReasonMissing(AirflowFailException):
    """A 驳回 without its reason: nothing is recorded, never retried; the step is cleared
    and answered again."""


@dataclass(frozen=True)
class Decision:
    approved: bool
    by: str  # the leader's name and title, as records and documents show him
    user: str  # his Airflow login
    reason: str
    at: dt.datetime  # when he answered (naive UTC)

    def as_kwargs(self) -> dict:
        """The keywords lifecycle.decide and recusal.decide_recusal take."""
        return {
            "approved": self.approved,
            "by": self.by,
            "user": self.user,
            "reason": self.reason,
            "now": self.at,
        }


def leader_decision(task_id: str, subject: str, body: Any, **kwargs: Any):
    """A HITL step for the 分管领导, assigned to the configured leaders."""
    from airflow.sdk import Param

    return hitl.step(
        task_id,
        subject,
        body,
        [APPROVE, REJECT],
        # Optional in the form (a required field would block 批准 too); a 驳回 without
        # a reason is refused when the answer is read.
        params={
            "reason": Param(
                None,
                type=["null", "string"],
                title="意见",
                description="批准时可不填；驳回时必须写明理由",
            )
        },
        assigned=[(x.user, x.name) for x in config.leaders()],
        **kwargs,
    )


def read_decision(answer: dict) -> Decision:
    """The decision in a leader_decision step's result; NotALeader if whoever answered
    is not a configured leader."""
    login = hitl.answered_by(answer)
    who = config.leader(login)
    if who is None:
        raise NotALeader(
            f"用户 {login or '（未知）'} 不是配置的分管领导，其答复无效 "
            f"(user {login!r} is not one of SHUANGSUI_LEADERS)"
        )
    approved = answer["chosen_options"] == [APPROVE]
    reason = str((answer.get("params_input") or {}).get("reason") or "").strip()
    if not approved and not reason:
        raise ReasonMissing(
            "驳回须写明理由，本次答复未记录；请清除该审批步骤，重新答复 "
            "(a rejection must give its reason)"
        )
    return Decision(
        approved=approved, by=who.signature, user=login, reason=reason, at=hitl.answer_time(answer)
    )
