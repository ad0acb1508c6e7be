"""The step of the annual plan DAG (dags/annual_plan.py)."""

from __future__ import annotations

from shuangsui.core.clock import utcnow
from shuangsui_airflow.run import current_run


def save_plans(params) -> int:
    """Validate and store the plan(s) of the file or the form; returns how many changed."""
    from shuangsui.draw import plan

    run = current_run()
    if params.get("file"):
        plans, source = plan.read_plans(params["file"]), params["file"]
    else:
        plans, source = [plan.from_dict(params)], f"form:{run.run_id}"
    return plan.save(run.engine(), plans, source=source, actor="annual_plan", now=utcnow())
