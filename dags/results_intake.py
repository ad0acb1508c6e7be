# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### 抽查结果录入

读取执法人员或执法系统导出的检查结果：每个被抽中单位、每个检查事项的检查日期、发现的问题、
处理结果（未发现问题 / 责令限期整改 / 立案查处）、是否严重违法、整改情况和日期、处罚决定。

**什么时候运行**：每 2 小时自动读取结果落地文件夹；需要时点击 **触发** 手动录入。

**如何填写表单**（各项都可不填，直接触发即读取结果落地文件夹）

- **读取文件**：**文件或文件夹** 填写结果文件（CSV，UTF-8 或 GBK；或 .xlsx）的路径。
  “完整名录”对检查结果不起作用：结果只会新增或更新，不会删除。
- **上游数据库**：从执法系统的数据库表读取时，填写连接编号和表名，如
  `{"results": "inspection_results"}`。

**触发之后**

1. 像名录库一样校验：该单位和检查组确在已批准的抽取中，日期与抽取相符，处理结果是规定的
   选项，发现问题的写明检查事项。
2. 有问题的行隔离并列入数据质量报告（路径见 report 任务的日志），正确的行写入；
   同样的文件再读一次不会改变任何内容。
3. 成功后自动触发“结果公示”，把可以公开的结果公示。

---

*For engineers*: `prepare` → `apply` (outlet `shuangsui_results`, which schedules
publication) → `report`, shared with registry_sync in `shuangsui_airflow/intake.py`.
"""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import RESULTS
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    dag_display_name="抽查结果录入",
    description="读取检查结果，校验后写入，成功后触发结果公示",
    schedule="0 */2 * * *",  # every two hours: results flow in during the working day
    start_date=START,
    catchup=False,
    tags=["results", "data-quality"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params=intake_params(
        "选填：结果文件或文件夹的路径。不填即读取结果落地文件夹（SHUANGSUI_RESULTS_DIR）。",
        "对检查结果不起作用：结果只会新增或更新，不会删除。",
    ),
)
def results_intake():
    intake(RESULTS, config.results_landing_dir)


results_intake()
