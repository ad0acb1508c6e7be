# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### 年度监督检查计划

录入或修改各科室某一年度的监督检查计划。每年 3 月、6 月、9 月的自动抽取按这里的计划进行：
每次抽取的户数、重点企业比例、每组人数和公开随机源都取自计划。每一次修改都记入审计记录。

**什么时候运行**：只在手动触发时运行。每年年初录入，计划调整时再次触发即可（同一年度、
同一科室的新计划替换旧计划）。

**两种录入方式**（点击右上角 **触发**）

- **上传计划文件**：在“计划文件”栏填写文件路径（CSV、.xlsx 或 JSON，每个科室一行），
  一次录入多个科室；填了文件，表单其他各项不用。
- **直接填写表单**：在“年度计划”栏填写 **年度**、**科室**、**计划检查户数**，其余各项已有
  符合规定的默认值，可按需修改；一次录入一个科室。

**规则**（不符合时不予保存，任务失败并写明原因）：每年随机抽查不少于 3 次，随机抽查户数
不少于计划户数的 30%，每次抽取中重点企业不少于 50%，每组不少于 2 人（第七条）。
每次抽取户数 = 计划检查户数 × 随机抽查比例 ÷ 抽查次数（向上取整，余数分给前几次）。

**计划文件的列**（中文或英文表头均可）：年度 `year`、科室 `department`、计划检查户数
`planned_units`、抽查次数 `rounds`、随机抽查比例 `random_share`、重点企业比例 `key_share`、
抽查频次 `frequency`（如 `A:1;B:1;C:1;D:2`）、每组人数 `team_size`、公开随机源 `source`
（`fc3d` 或 福彩3D、`pl3` 体彩排列三、`pl5` 体彩排列五；不填为福彩3D）。
示例：`include/shuangsui/samples/plans/annual_plan_2026.csv`。

---

*For engineers*: one task, `save_plans` → `shuangsui.draw.plan` (`read_plans` for a file,
`from_dict` for the form; `save` replaces the year and 科室's plan and audits the change).
The scheduled draw reads the plans through `shuangsui.draw.spec.specs_for_run`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from shuangsui.core.reference import DEPARTMENTS  # constants only
from shuangsui.draw import sources  # constants only
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.forms import DEPARTMENT_LABELS, SOURCE_LABELS, with_none
from shuangsui_airflow.run import current_run

FILE, PLAN, SOURCE = "计划文件", "年度计划", "公开随机源"


@dag(
    dag_display_name="年度监督检查计划",
    description="录入各科室的年度监督检查计划，自动抽取按计划进行",
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["plan"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params={
        "file": Param(
            None,
            type=["null", "string"],
            title="计划文件",
            description="选填：计划文件的路径（CSV、.xlsx 或 JSON，每个科室一行）。"
            "填了文件，表单其他各项不用；不填则按表单录入一个科室的计划。",
            section=FILE,
        ),
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=2017,
            title="年度",
            description="不用计划文件时必填，如 2026。",
            section=PLAN,
        ),
        "department": Param(
            None,
            type=["null", "string"],
            enum=[None, *DEPARTMENTS],
            values_display=with_none(DEPARTMENT_LABELS, "（未选择：用计划文件时不选）"),
            title="科室",
            description="不用计划文件时必选：这份计划属于哪个科室。",
            section=PLAN,
        ),
        "planned_units": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="计划检查户数",
            description="不用计划文件时必填：本年度计划检查的单位总数。",
            section=PLAN,
        ),
        "rounds": Param(
            3,
            type="integer",
            minimum=3,
            title="随机抽查次数",
            description="必填，每年不少于 3 次（第七条(四)）。",
            section=PLAN,
        ),
        "random_share": Param(
            0.3,
            type="number",
            minimum=0.3,
            maximum=1,
            title="随机抽查比例",
            description="必填，随机抽查户数占计划检查户数的比例，不低于 0.3（第七条(三)）。",
            section=PLAN,
        ),
        "key_share": Param(
            0.5,
            type="number",
            minimum=0.5,
            maximum=1,
            title="每次重点企业比例",
            description="必填，每次抽取中重点行业领域/重点企业的比例，不低于 0.5（第七条(三)）。",
            section=PLAN,
        ),
        "frequency": Param(
            {"A": 1, "B": 1, "C": 1, "D": 1},
            type="object",
            title="每年抽查频次（按风险等级）",
            description="必填：同一单位每年最多被抽中几次，按风险等级 A（最低）到 D（最高）"
            '填写，每级至少 1 次，如 {"A": 1, "B": 1, "C": 1, "D": 2}。',
            section=PLAN,
        ),
        "team_size": Param(
            2,
            type="integer",
            minimum=2,
            title="每组人数",
            description="必填，每个检查组的执法人员人数，不少于 2 人。",
            section=PLAN,
        ),
        "source": Param(
            "fc3d",
            type="string",
            enum=sources.kinds(),
            values_display=SOURCE_LABELS,
            title="公开随机源",
            description="必选：本计划各次抽取所用的公开开奖号码，每次取承诺公布后"
            "（至少 10 分钟后）开奖的第一期。",
            section=SOURCE,
        ),
    },
)
def annual_plan():
    @task
    def save_plans(params) -> int:
        """Validate and store the plan(s); returns how many changed."""
        from shuangsui.draw import plan

        run = current_run()
        if params.get("file"):
            plans, source = plan.read_plans(params["file"]), params["file"]
        else:
            plans, source = [plan.from_dict(params)], f"form:{run.run_id}"
        return plan.save(run.engine(), plans, source=source, actor="annual_plan", now=run.now)

    save_plans()


annual_plan()
