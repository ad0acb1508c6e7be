# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### 名录库同步

更新三个名录库：检查对象名录库（企业）、执法检查人员名录库和回避关系，保证它们完整、准确。
抽取只从名录库中选单位和人员，所以名录有变化时先同步再抽取。

**什么时候运行**：每天 06:00（北京时间）自动读取落地文件夹；需要时点击 **触发** 手动同步。

**如何填写表单**（各项都可不填，直接触发即读取落地文件夹）

- **读取文件**：**文件或文件夹** 填写要读取的文件（或整个文件夹）的路径。文件可以是 CSV
  （UTF-8、带 BOM 的 UTF-8 或 GBK，系统自动识别）或 Excel .xlsx，表头用导出时的中文表头即可。
  **完整名录**：打开（默认）表示文件是完整名录，文件中没有的单位标记为“移出名录”（不删除）；
  只更新部分单位时请关闭。
- **上游数据库**：从上游系统的数据库表读取时，填写连接编号和表名。

**触发之后**

1. 读取、规范化（全角字符、多余空格、大小写）并校验：统一社会信用代码格式和校验位、必填项、
   行业和科室、日期、执法证有效期等。
2. 有问题的单元格连同文件、行号（表头为第 1 行）、列和规则一起隔离，其余正确的行一次性写入；
   每个版本都保留，可还原任意时刻的名录。执法证过期只是警告：人员照常载入，但不会被抽中。
3. 生成数据质量报告，列出每个被隔离的问题，路径见 report 任务的日志。
   整个文件无法读取时，本次运行失败、不重试，名录不作任何改动，并告警负责的科室。

同样的文件读两次，第二次不会改变任何内容。

---

*For engineers*: `prepare` → `apply` (outlet `shuangsui_registry`) → `report`, shared with
results_intake in `shuangsui_airflow/intake.py`; domain in `shuangsui.intake` (Great
Expectations suites in `include/shuangsui/intake/expectations/`).
"""

from __future__ import annotations

from airflow.sdk import dag

from shuangsui import config
from shuangsui_airflow.assets import REGISTRY
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.intake import intake, intake_params


@dag(
    dag_display_name="名录库同步",
    description="每日同步检查对象、执法人员和回避关系名录库，校验并隔离有问题的数据",
    schedule="0 6 * * *",  # 06:00 Asia/Shanghai, before the working day
    start_date=START,
    catchup=False,
    tags=["registry", "data-quality"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params=intake_params(
        "选填：要读取的文件或文件夹的路径。不填即读取落地文件夹（SHUANGSUI_LANDING_DIR）。",
        "打开：文件是完整名录，文件中没有的单位标记为“移出名录”（不删除）；"
        "只更新部分单位时请关闭。",
    ),
)
def registry_sync():
    intake(REGISTRY, config.landing_dir)


registry_sync()
