# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Registry sync (名录库同步)

Keeps the enterprise directory (检查对象名录库), the inspector directory
(执法检查人员名录库) and the conflicts of interest (回避关系) current and clean.

Runs daily on the landing folder, and on demand: **Trigger DAG** with `source` naming a
file or a folder. Files may be CSV (UTF-8, UTF-8 with BOM or GBK) or Excel .xlsx; an
upstream database table can be read through an Airflow connection.

Bad rows are quarantined and listed in the data-quality report (path in the `report`
task's log and return value); valid rows are applied in one transaction. A file unusable as
a whole fails the run and changes nothing. A success updates the `shuangsui_registry` asset.
"""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import REGISTRY
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    schedule="0 6 * * *",  # 06:00 Asia/Shanghai, before the working day
    start_date=START,
    catchup=False,
    tags=["registry", "data-quality"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params=intake_params("Default: the landing folder (SHUANGSUI_LANDING_DIR)."),
)
def registry_sync():
    intake(REGISTRY, config.landing_dir)


registry_sync()
