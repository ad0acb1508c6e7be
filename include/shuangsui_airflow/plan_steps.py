"""The step of the annual plan DAG (dags/annual_plan.py)."""

from __future__ import annotations

from shuangsui.core.clock import utcnow
from shuangsui_airflow.run import current_run


def save_plans(params) -> int:
    """Validate and store the plan(s) of the file or the form; returns how many changed.
    A plan the rules refuse fails the task at once: the same file is refused again."""
    from airflow.sdk.exceptions import AirflowFailException

    from shuangsui.draw import plan

    run = current_run()
    try:
        if params.get("file"):
            plans, source = plan.read_plans(params["file"]), params["file"]
        else:
            plans, source = [plan.from_dict(params)], f"form:{run.run_id}"
        return plan.save(run.engine(), plans, source=source, actor="annual_plan", now=utcnow())
    except plan.PlanInvalid as e:
        raise AirflowFailException(f"计划不予保存（不重试）：{e}") from e
