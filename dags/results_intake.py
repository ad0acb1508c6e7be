# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""抽查结果录入 (results_intake): wiring only; what staff read is
shuangsui_airflow/docs/results_intake.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import RESULTS
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    dag_display_name="抽查结果录入",
    description="读取检查结果，校验后写入，成功后触发结果公示",
    schedule="0 */2 * * *",  # every two hours: results flow in during the working day
    start_date=START,
    catchup=False,
    tags=["results", "data-quality"],
    doc_md=doc_md("results_intake"),
    default_args=DEFAULT_ARGS,
    params=intake_params(
        "选填：结果文件或文件夹的路径。不填即读取结果落地文件夹（SHUANGSUI_RESULTS_DIR）。",
        "对检查结果不起作用：结果只会新增或更新，不会删除。",
    ),
)
def results_intake():
    intake(RESULTS, config.results_landing_dir)


results_intake()
