# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### 双随机抽查

随机抽取被检查单位，并为每个单位随机选派执法检查人员（“双随机”），依照
《淄高新安监发〔2017〕5号》第七条的规则。每一次抽取都留有完整记录，任何人都可以复核。

**什么时候运行**

- **自动**：每年 3 月 1 日、6 月 1 日、9 月 1 日 09:30（北京时间），遇节假日顺延到下一个
  工作日；按各科室的年度监督检查计划抽取该次的户数（先用“年度监督检查计划”录入计划）。
- **手动**：点击右上角 **触发**，填写表单后再点 **触发**。用于专项治理、暗访暗查、综合督导，
  或补做某一次年度计划抽取。

**如何填写表单**（各栏目默认收起，点击栏目名称展开；带 * 的为必填项）

- **抽取对象**：选择 **科室**；**抽查类型**；**行业** 可多选，不选即该科室监管的全部行业。
- **抽取规则**：**抽取户数** 或 **抽取比例**，二者只填一项；重点行业领域/重点企业比例不低于
  0.5；每组至少 2 人；检查日期不填则为 10 个工作日后。
- **公开随机源**：抽取种子取自一期尚未开奖的彩票开奖号码（默认福彩3D，每日 21:15 开奖），
  开奖日期不填即承诺公布后（至少 10 分钟后）开奖的第一期。
- **年度计划**：打开“按年度计划抽取”并填写第几次抽查，各有计划的科室各抽一次（科室可不选）。
- **重新抽取**：被驳回或需要重做时，填写原抽查任务编号和重新抽取的理由。

**触发之后**

1. **公布承诺**（commit、publish_commitment）：冻结单位池和执法人员名单，在公示网站公布其
   哈希值、抽取参数和将使用的开奖期次。此时开奖号码还不存在，谁也无法预知结果。
2. **等待开奖**（wait_for_source）：到开奖时间前不占用资源。
3. **录入开奖号码**（enter_value）：开奖后，在 **浏览 → 待响应的任务实例**（Required actions）
   打开“请录入公开随机数（开奖号码）”，选择 **录入** 并填写官方公布的开奖号码。若该期未开奖，
   选择 **本期未开奖，作废** 并写明理由，承诺在网站上标为已作废。
4. **第二人核对**（confirm_value）：另一名工作人员对照官方开奖公告，选择 **核对无误** 或
   **有误，退回重新录入**；录入人不能自己核对。
   选“公开随机信标”时，系统自动读取（fetch_value），不需要录入和核对。
5. **抽取**（perform）：抽取单位（重点行业领域/重点企业不低于规定比例）和检查组（每组不少于
   2 人，第一人为组长，有回避关系的人员不会被选中）。规则无法满足时不予抽取：任务立即失败、
   不重试，日志第一行写明依据的规则和差额。
6. **分管领导审批**（approve）：分管领导收到邮件，在 **待响应的任务实例** 查看抽取结果，选择
   **批准** 或 **驳回**（驳回须写明理由）。只有配置的分管领导可以答复。
7. **批准后**：生成检查通知书和执法检查任务单，并逐一邮件发送给执法人员（render_notices、
   send_task_sheets）。驳回则什么都不生成、不发送，可以重新抽取。

同一科室有已公布承诺、尚未抽取的任务时，不能再次承诺；每个科室每种抽查类型只能有一个待审批
的抽取，年度计划的每一次只抽一次（重新抽取除外）。重试或清除任务不会重复抽取。

**复核**：`shuangsui verify data/draws/<抽查任务编号>/record.json`

---

*For engineers*: one mapped task group per draw (`plan_draws` → `one_draw`): commit →
publish_commitment → wait_for_source (deferred) → enter_value/check_entry/confirm_value/
record_value, or fetch_value for the beacon (connection `shuangsui_beacon`) → perform →
approve (HITL, assigned to `SHUANGSUI_LEADERS`) → decide → render_notices →
send_task_sheets. seed = SHA-256(secret|source id|value); steps in
`shuangsui_airflow/draw_steps.py`, the value steps in `shuangsui_airflow/sources.py`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task, task_group

from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS, INDUSTRIES  # constants only
from shuangsui.draw import sources
from shuangsui_airflow import draw_steps as steps
from shuangsui_airflow.decisions import leader_decision
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.forms import (
    DEPARTMENT_LABELS,
    INDUSTRY_LABELS,
    KIND_LABELS,
    SOURCE_LABELS,
    with_none,
)
from shuangsui_airflow.notifiers import LeaderApprovalNotifier
from shuangsui_airflow.sources import WaitForPublicSource, value_confirmation, value_entry
from shuangsui_airflow.timetable import WorkingDayTimetable

WHAT, RULES, SOURCE, PLAN, REDRAW = "抽取对象", "抽取规则", "公开随机源", "年度计划", "重新抽取"


@dag(
    dag_display_name="双随机抽查",
    description="随机抽取被检查单位和执法检查人员，公开承诺、开奖后抽取、分管领导审批",
    schedule=WorkingDayTimetable(),
    start_date=START,
    catchup=False,
    tags=["draw", "double-random"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    params={
        "department": Param(
            None,
            type=["null", "string"],
            enum=[None, *DEPARTMENTS],
            values_display=with_none(DEPARTMENT_LABELS, "（未选择：仅按年度计划抽取时可不选）"),
            title="科室",
            description="抽取哪个科室监管的单位，由该科室人员检查。专项抽取必选；"
            "按年度计划抽取时可不选，即所有有计划的科室。",
            section=WHAT,
        ),
        "kind": Param(
            "专项治理",
            type="string",
            enum=list(DRAW_KINDS),
            values_display=KIND_LABELS,
            title="抽查类型",
            description="必选。按年度计划抽取时固定为“年度计划”，此项不用。",
            section=WHAT,
        ),
        "industries": Param(
            [],
            type=["null", "array"],
            items={"type": "string", "enum": list(INDUSTRIES)},
            examples=list(INDUSTRIES),
            values_display=INDUSTRY_LABELS,
            title="行业",
            description="可多选；不选即该科室监管的全部行业。",
            section=WHAT,
        ),
        "units": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="抽取户数",
            description="本次抽取多少家单位。与“抽取比例”二者只填一项。",
            section=RULES,
        ),
        "ratio": Param(
            None,
            type=["null", "number"],
            exclusiveMinimum=0,
            maximum=1,
            title="抽取比例",
            description="按单位池的比例抽取，0 到 1 之间，如 0.1 即 10%（向上取整）。"
            "与“抽取户数”二者只填一项。",
            section=RULES,
        ),
        "key_share": Param(
            0.5,
            type="number",
            minimum=0.5,
            maximum=1,
            title="重点行业领域/重点企业比例",
            description="必填，不低于 0.5（第七条(三)）：抽中的单位中危险化学品、非煤矿山、冶金"
            "等重点行业领域或重点企业所占的比例。",
            section=RULES,
        ),
        "allow_shortfall": Param(
            False,
            type="boolean",
            title="重点比例不足时提交审批",
            description="关闭（默认）：单位池达不到重点比例时不予抽取。打开：照常抽取，"
            "注明差额，由分管领导审批时决定。",
            section=RULES,
        ),
        "team_size": Param(
            2,
            type="integer",
            minimum=2,
            maximum=6,
            title="每组人数",
            description="必填，每个检查组的执法人员人数，2 到 6 人；第一人为组长。",
            section=RULES,
        ),
        "max_per_inspector": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="每人最多检查户数",
            description="选填：每名执法人员本次最多参加检查的单位数。不填则按可选派人数自动确定，使工作量分散。",
            section=RULES,
        ),
        "inspection_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="检查日期",
            description="选填：不填则为触发当日起第 10 个工作日。",
            section=RULES,
        ),
        "source": Param(
            None,
            type=["null", "string"],
            enum=[None, *sources.kinds()],
            values_display=with_none(
                SOURCE_LABELS, "（默认）福彩3D；按年度计划抽取时用计划规定的随机源"
            ),
            title="公开随机源",
            description="抽取种子取自哪一种公开开奖号码。承诺公布时该期尚未开奖；"
            "开奖后由工作人员录入、另一人核对（公开随机信标由系统自动读取）。",
            section=SOURCE,
        ),
        "source_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="开奖日期",
            description="选填：用哪一天的开奖号码。不填即承诺公布后（至少 10 分钟后）开奖的"
            "第一期；已开奖或 10 分钟内开奖的期次会被拒绝。",
            section=SOURCE,
        ),
        "from_plan": Param(
            False,
            type="boolean",
            title="按年度计划抽取",
            description="打开：按年度监督检查计划中该次的户数、重点比例和每组人数抽取，每个有计划的"
            "科室各一次（选了科室则只抽该科室）；表单中的抽查类型、户数、比例、行业、重点比例"
            "和每组人数不用。",
            section=PLAN,
        ),
        "round": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="第几次抽查",
            description="按年度计划抽取时填写，如 2 即年度计划的第 2 次；不填为第 1 次。",
            section=PLAN,
        ),
        "redraw_of": Param(
            None,
            type=["null", "string"],
            title="原抽查任务编号",
            description="选填：重新抽取时填写被驳回或需重做的抽查任务编号，如 2026-FM-1A2B3C4D5E。",
            section=REDRAW,
        ),
        "redraw_reason": Param(
            None,
            type=["null", "string"],
            title="重新抽取理由",
            description="填写了原抽查任务编号时必填，写明为什么重新抽取，记入抽取记录。",
            section=REDRAW,
        ),
    },
)
def double_random_draw():
    @task_group
    def one_draw(spec: dict):
        draw_id = task(steps.commit)(spec)
        published = task(steps.publish_commitment)(draw_id)
        due = WaitForPublicSource(task_id="wait_for_source", draw_id=draw_id)
        published >> due
        # The value comes one of two ways; each step skips itself when it is the other's.
        entry = value_entry("enter_value", published, draw_id)
        due >> entry
        checked = task(steps.check_entry)(draw_id, entry.output)
        confirmation = value_confirmation("confirm_value", checked)
        entered = task(steps.record_value)(draw_id, entry.output, confirmation.output)
        fetched = task(steps.fetch_value)(draw_id)
        due >> fetched
        performed = task(multiple_outputs=True, trigger_rule="none_failed_min_one_success")(
            steps.perform
        )(draw_id)
        [entered, fetched] >> performed
        approve = leader_decision(
            "approve",
            "双随机抽查结果待分管领导审批",
            performed["summary"],
            notifiers=[LeaderApprovalNotifier()],
        )
        status = task(steps.decide)(draw_id, approve.output)
        task(steps.render_notices)(draw_id, status) >> task(steps.send_task_sheets)(draw_id)

    one_draw.expand(spec=task(steps.plan_draws)())


double_random_draw()
