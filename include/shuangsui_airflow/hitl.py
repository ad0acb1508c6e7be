"""Human-in-the-loop steps (Airflow's *Required actions*): how one is built, and who
answered it and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shuangsui.core.clock import to_utc_naive, utcnow


def step(
    task_id: str,
    subject: str,
    body: Any,
    options: list[str],
    *,
    params: dict | None = None,
    assigned: list[tuple[str, str]] | None = None,
    **kwargs: Any,
):
    """A HITL step asking `subject` with `body` (a template or an upstream task's output,
    an XComArg, which also makes that task its upstream), answered by one of `options`.
    `assigned`: the (login, name) pairs who alone may answer; None: any user."""
    from airflow.providers.standard.operators.hitl import HITLOperator

    if assigned is not None:
        kwargs["assigned_users"] = [{"id": login, "name": name} for login, name in assigned]
    return HITLOperator(
        task_id=task_id, subject=subject, body=body, options=options, params=params, **kwargs
    )


def answered_by(answer: dict) -> str:
    """The Airflow login (user id) of whoever answered a HITL step; "" if unknown."""
    user = answer.get("responded_by_user") or {}
    return str(user.get("id") or "")


def answer_time(answer: dict) -> dt.datetime:
    """When the step was answered (an ISO string or a datetime, as XCom returns it), naive
    UTC; a plain datetime, not pendulum's subclass."""
    at = answer.get("responded_at")
    if not at:
        return utcnow()
    t = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    return dt.datetime.fromisoformat(to_utc_naive(t).isoformat())
