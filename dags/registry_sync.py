# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""名录库同步 (registry_sync): wiring only; what staff read is
shuangsui_airflow/docs/registry_sync.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import REGISTRY
from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    dag_display_name="名录库同步",
    description="每日同步检查对象、执法人员和回避关系名录库，校验并隔离有问题的数据",
    schedule="0 6 * * *",  # 06:00 Asia/Shanghai, before the working day
    start_date=START,
    catchup=False,
    tags=["registry", "data-quality"],
    doc_md=doc_md("registry_sync"),
    default_args=DEFAULT_ARGS,
    params=intake_params(
        "选填：要读取的文件或文件夹的路径。不填即读取落地文件夹（SHUANGSUI_LANDING_DIR）。",
        "打开：文件是完整名录，文件中没有的单位标记为“移出名录”（不删除）；"
        "只更新部分单位时请关闭。",
        confirm_delist=True,
    ),
)
def registry_sync():
    intake(REGISTRY, config.landing_dir)


registry_sync()
