# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""双随机抽查 (double_random_draw): wiring only; what staff read is
shuangsui_airflow/docs/double_random_draw.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag, task, task_group

from shuangsui_airflow import draw_steps as steps
from shuangsui_airflow import forms
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.decisions import leader_decision
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.notifiers import LeaderApprovalNotifier
from shuangsui_airflow.sources import WaitForPublicSource, value_confirmation, value_entry
from shuangsui_airflow.timetable import WorkingDayTimetable


@dag(
    dag_display_name="双随机抽查",
    description="随机抽取被检查单位和执法检查人员，公开承诺、开奖后抽取、分管领导审批",
    schedule=WorkingDayTimetable(),
    start_date=START,
    catchup=False,
    tags=["draw", "double-random"],
    doc_md=doc_md("double_random_draw"),
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    params=forms.draw_params(),
)
def double_random_draw():
    @task_group
    def one_draw(spec: dict):
        draw_id = task(steps.commit)(spec)
        published = task(steps.publish_commitment)(draw_id)
        due = WaitForPublicSource(task_id="wait_for_source", draw_id=draw_id)
        published >> due
        # The value comes one of two ways; each step skips itself when it is the other's.
        entry = value_entry("enter_value", published, draw_id)
        due >> entry
        checked = task(steps.check_entry)(draw_id, entry.output)
        confirmation = value_confirmation("confirm_value", checked)
        entered = task(steps.record_value)(draw_id, entry.output, confirmation.output)
        fetched = task(steps.fetch_value)(draw_id)
        due >> fetched
        performed = task(multiple_outputs=True, trigger_rule="none_failed_min_one_success")(
            steps.perform
        )(draw_id)
        [entered, fetched] >> performed
        approve = leader_decision(
            "approve",
            "双随机抽查结果待分管领导审批",
            performed["summary"],
            notifiers=[LeaderApprovalNotifier()],
        )
        status = task(steps.decide)(draw_id, approve.output)
        task(steps.render_notices)(draw_id, status) >> task(steps.send_task_sheets)(draw_id)

    one_draw.expand(spec=task(steps.plan_draws)())


double_random_draw()
