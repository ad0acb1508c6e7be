"""Notifiers: the 分管领导 told that an approval waits for him, the 科室 alerted when a run
fails. Both queue through the outbox and try to send at once."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier

from shuangsui.core.clock import utcnow


def approval_link(dag_id: str, run_id: str) -> str:
    """Where the 分管领导 answers: the run's Required actions page in the Airflow UI."""
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="http://localhost:8080")
    return f"{base.rstrip('/')}/dags/{dag_id}/runs/{run_id}/required_actions"


class LeaderApprovalNotifier(BaseNotifier):
    """On a HITL approval step: email the 分管领导 that a draw waits for him, with the link
    to the run's Required actions page. The draw is the one its upstream task (the draw
    step) returned as `draw_id`. Once he has decided, the request is withdrawn
    (dispatch.withdraw_approval_request) and never sent late."""

    def notify(self, context: Any) -> None:
        from shuangsui import db
        from shuangsui.outreach import dispatch
        from shuangsui.outreach.mail import MailKind
        from shuangsui_airflow.smtp import send_now

        ti = context["ti"]
        draw_id = upstream_value(context, "draw_id")
        dispatch.queue_approval_request(
            db.engine(), draw_id, link=approval_link(ti.dag_id, ti.run_id), now=utcnow()
        )
        send_now((MailKind.APPROVAL_REQUEST,))


def upstream_value(context: Any, key: str) -> Any:
    """The value an upstream task of this one pushed under `key` (same map index)."""
    ti = context["ti"]
    for task_id in sorted(context["task"].upstream_task_ids):
        value = ti.xcom_pull(task_ids=task_id, key=key, map_indexes=ti.map_index)
        if value is not None:
            return value
    raise LookupError(f"{ti.task_id}: no upstream task pushed {key!r}")


class DepartmentFailureAlert(BaseNotifier):
    """On a failed run: alert the responsible 科室 (the run's department, else duty)."""

    def notify(self, context: Any) -> None:
        from shuangsui import db
        from shuangsui.outreach import dispatch
        from shuangsui.outreach.mail import MailKind
        from shuangsui_airflow.smtp import send_now

        run = context["dag_run"]
        ti = context.get("ti")
        conf = run.conf or {}
        error = context.get("exception") or context.get("reason") or "see the task log"
        dispatch.queue_failure_alert(
            db.engine(),
            dag_id=run.dag_id,
            run_id=run.run_id,
            task_id=getattr(ti, "task_id", None),
            department=conf.get("department"),
            error=str(error),
            now=utcnow(),
        )
        send_now((MailKind.FAILURE_ALERT,))
