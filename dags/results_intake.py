# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Results intake (检查结果录入)

Loads inspection results — per drawn unit and checklist item: dates, findings, outcome
(未发现问题 / 责令限期整改 / 立案查处), serious-violation flag, 整改 status and date,
penalty decision — from the files inspectors or the law-enforcement system export
(CSV in UTF-8 or GBK, .xlsx) or from an upstream database table.

Checked with Great Expectations like the registry: the assignment exists in an approved
draw, the dates fit the draw, outcomes are known values, a problem names its checklist
items. Bad rows are quarantined with a report; valid rows applied; reruns change nothing.
A success updates the `shuangsui_results` asset, which triggers publication.
"""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import RESULTS
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    schedule="0 */2 * * *",  # every two hours: results flow in during the working day
    start_date=START,
    catchup=False,
    tags=["results", "data-quality"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params=intake_params("Default: the results landing folder (SHUANGSUI_RESULTS_DIR)."),
)
def results_intake():
    intake(RESULTS, config.results_landing_dir)


results_intake()
