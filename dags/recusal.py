# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""回避申请 (recusal): wiring only; what staff read is
shuangsui_airflow/docs/recusal.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag, task

from shuangsui.core.clock import utcnow
from shuangsui_airflow import forms
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.decisions import leader_decision, read_decision
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run


@dag(
    dag_display_name="回避申请",
    description="执法人员申请回避，分管领导决定，按随机排序替补",
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["draw", "recusal"],
    doc_md=doc_md("recusal"),
    default_args=DEFAULT_ARGS,
    params=forms.recusal_params(),
)
def recusal():
    @task(multiple_outputs=True)
    def request(params) -> dict:
        """Record the request and describe it for the 分管领导."""
        from shuangsui.draw import recusal

        run = current_run()
        rid = recusal.request_recusal(
            run.engine(),
            draw_id=params["draw_id"],
            uscc=params["uscc"],
            inspector_id=params["inspector_id"],
            reason=params["reason"],
            origin=f"recusal/{run.run_id}",
            now=utcnow(),
            actor="recusal",
        )
        return {
            "recusal_id": rid,
            "body": f"抽查任务 {params['draw_id']}：执法人员 {params['inspector_id']} 申请对 "
            f"{params['uscc']} 回避。\n\n回避事由：{params['reason']}\n\n批准后由该单位"
            f"候选人员中按随机排序的下一名符合条件人员替补。",
        }

    @task
    def apply(recusal_id: int, answer: dict) -> dict:
        """Record the decision; on approval, draw the replacement."""
        from shuangsui.draw import recusal

        d = read_decision(answer)
        out = recusal.decide_recusal(current_run().engine(), recusal_id, **d.as_kwargs())
        return {"decision": out["decision"], "replacement": out["replacement"]}

    asked = request()
    decision = leader_decision("decide_recusal", "执法人员回避申请待分管领导决定", asked["body"])
    apply(asked["recusal_id"], decision.output)


recusal()
