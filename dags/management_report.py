# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""管委会报告（普遍性问题通报） (management_report): wiring only; what staff read is
shuangsui_airflow/docs/management_report.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

import logging

from airflow.sdk import Param, dag, task

from shuangsui.core.clock import utcnow
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run

log = logging.getLogger(__name__)

REPORT, COMMON = "报告年度", "普遍性问题标准"


@dag(
    dag_display_name="管委会报告",
    description="随机抽查发现的普遍性问题，向管委会通报的报告",
    schedule="0 8 1 * *",  # 08:00 on the first of each month, Asia/Shanghai
    start_date=START,
    catchup=False,
    tags=["publication", "report"],
    doc_md=doc_md("management_report"),
    default_args=DEFAULT_ARGS,
    params={
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=2017,
            title="年度",
            description="选填：报告哪一年的抽查，如 2026；不填即运行当年。",
            section=REPORT,
        ),
        "min_units": Param(
            3,
            type="integer",
            minimum=2,
            title="至少涉及的单位数",
            description="必填：一个问题在这么多家及以上单位中发现，即列为普遍性问题（至少 2）。",
            section=COMMON,
        ),
        "min_share": Param(
            0.1,
            type="number",
            minimum=0,
            maximum=1,
            title="或：占被检查单位的比例",
            description="必填：或在不低于这一比例的被检查单位中发现（如 0.1 即 10%），"
            "也列为普遍性问题。",
            section=COMMON,
        ),
    },
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
