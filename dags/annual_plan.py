# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""年度监督检查计划 (annual_plan): wiring only; what staff read is
shuangsui_airflow/docs/annual_plan.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag, task

from shuangsui_airflow import forms, plan_steps
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START


@dag(
    dag_display_name="年度监督检查计划",
    description="录入各科室的年度监督检查计划，自动抽取按计划进行",
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["plan"],
    doc_md=doc_md("annual_plan"),
    default_args=DEFAULT_ARGS,
    params=forms.plan_params(),
)
def annual_plan():
    task(plan_steps.save_plans)()


annual_plan()
