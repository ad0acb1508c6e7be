"""The step of the annual plan DAG (dags/annual_plan.py)."""

from __future__ import annotations

from shuangsui.core.clock import utcnow
from shuangsui_airflow.run import current_run


def save_plans(params) -> int:
    """Validate and store the plan(s) of the file or the form; returns how many changed.
    A plan the rules refuse fails the task at once: the same file is refused again."""
    from airflow.sdk.exceptions import AirflowFailException

    from shuangsui.draw import plan, plan_file
    from shuangsui.intake.landing import UnusableFile, confined

    run = current_run()
    try:
        if params.get("file"):
            try:  # a file of the landing folders only, as for every intake
                path = confined(params["file"])
            except UnusableFile as e:
                raise AirflowFailException(str(e)) from e
            plans, source = plan_file.read_plans(path), params["file"]
        else:
            plans, source = [plan.from_dict(params)], f"form:{run.run_id}"
        return plan.save(run.engine(), plans, source=source, actor="annual_plan", now=utcnow())
    except plan.PlanInvalid as e:
        raise AirflowFailException(f"计划不予保存（不重试）：{e}") from e
