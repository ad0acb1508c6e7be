# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""管委会报告（普遍性问题通报） (management_report): wiring only; what staff read is
shuangsui_airflow/docs/management_report.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

import logging

from airflow.sdk import dag, task

from shuangsui.core.clock import utcnow
from shuangsui_airflow import forms
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run

log = logging.getLogger(__name__)


@dag(
    dag_display_name="管委会报告",
    description="随机抽查发现的普遍性问题，向管委会通报的报告",
    schedule="0 8 1 * *",  # 08:00 on the first of each month, Asia/Shanghai
    start_date=START,
    catchup=False,
    tags=["publication", "report"],
    doc_md=doc_md("management_report"),
    default_args=DEFAULT_ARGS,
    params=forms.report_params(),
)
def management_report():
    @task
    def write_report(params) -> dict:
        """The HTML, DOCX and JSON report; returns their paths."""
        from shuangsui import config
        from shuangsui.publish import management_report

        run = current_run()
        year = params.get("year") or run.today.year
        paths = management_report.management_report(
            run.engine(),
            config.reports_dir() / "management",
            year=year,
            now=utcnow(),
            min_units=params["min_units"],
            min_share=params["min_share"],
        )
        log.info("report to the 管委会: %s", paths)
        return {k: str(v) for k, v in paths.items()}

    write_report()


management_report()
