# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Report to the 管委会 (普遍性问题通报)

Monthly, and on demand for any year: the problems found by the year's random inspections,
counted by checklist item, industry and 科室, with those common to many units highlighted
(第七条(六): 随机抽查中发现的安全生产工作中带有普遍性的问题，要及时向高新区管委会及其相关部门
通报反馈), as HTML with charts, DOCX for the file, and JSON. Serious violations are counted
too; their credit records are exported with the public site's open data.
"""

from __future__ import annotations

import logging

from airflow.sdk import Param, dag, task

from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run

log = logging.getLogger(__name__)


@dag(
    schedule="0 8 1 * *",  # 08:00 on the first of each month, Asia/Shanghai
    start_date=START,
    catchup=False,
    tags=["publication", "report"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params={
        "year": Param(
            None, type=["null", "integer"], minimum=2017, title="年度 (default: the run's year)"
        ),
        "min_units": Param(3, type="integer", minimum=2, title="普遍性问题：至少涉及的单位数"),
        "min_share": Param(
            0.1, type="number", minimum=0, maximum=1, title="或：占被检查单位的比例"
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
            now=run.now,
            min_units=params["min_units"],
            min_share=params["min_share"],
        )
        log.info("report to the 管委会: %s", paths)
        return {k: str(v) for k, v in paths.items()}

    write_report()


management_report()
