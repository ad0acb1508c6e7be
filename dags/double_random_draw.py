# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Double-random draw (双随机抽查)

Draws the units to inspect and the teams that go, at random, under the bureau's rules
(淄高新安监发〔2017〕5号 第七条). Runs on its own three times a year on working days
(Asia/Shanghai), taking each 科室's share from its annual plan (年度监督检查计划); staff
start special draws (专项治理, 暗访暗查, 综合督导) from the trigger form.

Per draw: **commit** (freeze pool and roster, publish their SHA-256, the parameters, the code
version, the seed commitment and the *future* public source: a lottery draw after commit) →
**publish_commitment** (the public site rebuilt at once) → **wait_for_source** (deferred
until the source's draw time) → **enter_value** (a clerk enters the announced number) →
**confirm_value** (a second person checks it), or for a randomness beacon (connection
`shuangsui_beacon`) **fetch_value** (the named round read and checked) → **perform**
(targets in two strata, ≥50% key; teams of ≥2, never a conflicted inspector) →
**approve** (分管领导, *Required actions*) → **decide** → notices and emails, only if
approved. A re-draw is a new run naming the old one (`redraw_of`, `redraw_reason`);
retrying or clearing never draws twice. One open draw per year, 科室 and round or kind.
Anyone re-computes a draw from its record: `shuangsui verify data/draws/<draw_id>/record.json`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task, task_group

from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS, INDUSTRIES  # constants only
from shuangsui.draw import sources
from shuangsui_airflow import draw_steps as steps
from shuangsui_airflow.decisions import leader_decision
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.notifiers import LeaderApprovalNotifier
from shuangsui_airflow.sources import WaitForPublicSource, value_confirmation, value_entry
from shuangsui_airflow.timetable import WorkingDayTimetable


@dag(
    schedule=WorkingDayTimetable(),
    start_date=START,
    catchup=False,
    tags=["draw", "double-random"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
    params={
        "department": Param(
            None, type=["null", "string"], enum=[None, *DEPARTMENTS], title="科室 (department)"
        ),
        "kind": Param("专项治理", type="string", enum=list(DRAW_KINDS), title="抽查类型"),
        "units": Param(None, type=["null", "integer"], minimum=1, title="抽取户数"),
        "ratio": Param(
            None, type=["null", "number"], exclusiveMinimum=0, maximum=1, title="或：抽取比例 (0–1)"
        ),
        "key_share": Param(
            0.5, type="number", minimum=0.5, maximum=1, title="重点行业领域/重点企业比例 (≥0.5)"
        ),
        "team_size": Param(2, type="integer", minimum=2, maximum=6, title="每组人数 (≥2)"),
        "industries": Param(
            [],
            type="array",
            items={"type": "string", "enum": list(INDUSTRIES)},
            title="行业 (empty: all of the 科室)",
        ),
        "source": Param(
            "fc3d",
            type="string",
            enum=sources.kinds(),
            title="公开随机源",
            description="抽取种子所用的未来开奖号码：承诺公布后开奖的一期，开奖后录入并经第二人核对",
        ),
        "source_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="开奖日期（留空：承诺后的第一期）",
        ),
        "inspection_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="检查日期 (default: 10 working days on)",
        ),
        "allow_shortfall": Param(
            False, type="boolean", title="Hold a draw short of the key share for approval"
        ),
        "max_per_inspector": Param(
            None, type=["null", "integer"], minimum=1, title="每人每次最多检查户数"
        ),
        "from_plan": Param(False, type="boolean", title="Draw from the annual plans"),
        "round": Param(None, type=["null", "integer"], minimum=1, title="Plan round"),
        "redraw_of": Param(None, type=["null", "string"], title="Re-draw of (draw id)"),
        "redraw_reason": Param(None, type=["null", "string"], title="Re-draw reason"),
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
