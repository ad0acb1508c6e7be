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
**confirm_value** (a second person checks it) → **perform** (targets in two strata, ≥50%
key; teams of ≥2, never a conflicted inspector) → **approve** (分管领导, *Required
actions*) → **decide** → notices and emails, only if approved. A re-draw is a new run
naming the old one (`redraw_of`, `redraw_reason`); retrying or clearing never draws twice.
One open draw per year, 科室 and round or kind. Anyone re-computes a draw from its record:
`shuangsui verify data/draws/<draw_id>/record.json`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task, task_group

from shuangsui.core.clock import utcnow
from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS, INDUSTRIES  # constants only
from shuangsui.draw import sources
from shuangsui_airflow import sources as sources_step
from shuangsui_airflow.decisions import leader_decision, read_decision
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.notifiers import LeaderApprovalNotifier
from shuangsui_airflow.run import current_run
from shuangsui_airflow.smtp import smtp_settings
from shuangsui_airflow.sources import WaitForPublicSource, value_confirmation, value_entry
from shuangsui_airflow.timetable import WorkingDayTimetable, round_of


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
    @task
    def plan_draws(params) -> list[dict]:
        """The draws this run makes: one from the form, or one per 科室 from the plans."""
        from dataclasses import asdict

        from shuangsui.draw import spec

        run = current_run()
        with run.engine().connect() as conn:
            specs = spec.specs_for_run(
                conn,
                params,
                today=run.today,
                scheduled_round=round_of(run.today) if run.scheduled else None,
            )
        return [{**asdict(s), "origin": f"{run.dag_id}/{run.run_id}/{s.department}"} for s in specs]

    @task_group
    def one_draw(spec: dict):
        @task
        def commit(spec: dict) -> str:
            """Freeze pool and roster; publish hashes and the seed commitment."""
            from shuangsui.draw import lifecycle
            from shuangsui.draw.spec import Spec

            run = current_run()
            origin = spec.pop("origin")
            return lifecycle.commit(run.engine(), Spec(**spec), origin=origin, now=utcnow())

        @task
        def publish_commitment(draw_id: str) -> str:
            """Put the commitment on the public site at once, before its value exists;
            returns what the clerk who will enter the value reads."""
            from shuangsui import config
            from shuangsui.draw import lifecycle
            from shuangsui.publish import site

            eng = current_run().engine()
            site.build_site(eng, config.site_dir(), now=utcnow())
            with eng.connect() as conn:
                rec = lifecycle.record(conn, draw_id)
            src = rec.public_source or {}
            return (
                f"抽查任务 {draw_id}（{rec.department}）的承诺已于公示网站公布。\n\n"
                f"请在开奖后录入 **{src.get('label', '')}**（{src.get('digits')} 位数字，"
                f"开奖时间 {src.get('due_at')}），由另一名工作人员核对确认。"
                "如该期未开奖，请选择作废并写明理由。"
            )

        @task
        def check_entry(draw_id: str, entry: dict) -> str:
            """Check the entered value's form (or abandon the draw); what the second
            person is asked to confirm."""
            return sources_step.check_entry(current_run().engine(), draw_id, entry)

        @task
        def record_value(draw_id: str, entry: dict, confirmation: dict) -> str:
            """Record the confirmed value; the draw may now be performed."""
            return sources_step.record_value(current_run().engine(), draw_id, entry, confirmation)

        @task(multiple_outputs=True)
        def perform(draw_id: str) -> dict:
            """Draw targets and teams; returns the draw id and what the 分管领导 reads."""
            from shuangsui.draw import lifecycle, summary

            run = current_run()
            eng = run.engine()
            lifecycle.perform(eng, draw_id, now=utcnow())
            with eng.connect() as conn:
                return {"draw_id": draw_id, "summary": summary.summary_markdown(conn, draw_id)}

        @task
        def decide(draw_id: str, answer: dict) -> str:
            """Record the decision: approved, or rejected with its reason."""
            from shuangsui.draw import lifecycle

            d = read_decision(answer)
            rec = lifecycle.decide(
                current_run().engine(),
                draw_id,
                approved=d.approved,
                by=d.by,
                user=d.user,
                reason=d.reason,
                now=d.at,
            )
            return str(rec.status)

        @task
        def render_notices(draw_id: str, status: str) -> int:
            """检查通知书, 任务单 and the summary, as DOCX and HTML, versioned. Skipped
            (and so is sending) unless the 分管领导 approved."""
            from airflow.sdk.exceptions import AirflowSkipException

            from shuangsui.core.reference import DrawStatus
            from shuangsui.documents import notices

            if status != DrawStatus.APPROVED:
                raise AirflowSkipException(f"draw {draw_id} is {status}: nothing is sent")
            run = current_run()
            return len(notices.render_draw(run.engine(), draw_id, now=utcnow()))

        @task
        def send_task_sheets(draw_id: str) -> dict:
            """Email each inspector his 任务单 with the notices (outbox: never twice)."""
            from shuangsui.outreach import dispatch, mail

            run = current_run()
            eng = run.engine()
            dispatch.queue_task_sheets(eng, draw_id, now=utcnow())
            return mail.send_pending(eng, smtp_settings(), kinds=("task_sheet",), draw_id=draw_id)

        draw_id = commit(spec)
        published = publish_commitment(draw_id)
        due = WaitForPublicSource(task_id="wait_for_source", draw_id=draw_id)
        published >> due
        entry = value_entry("enter_value", published)
        due >> entry
        confirmation = value_confirmation("confirm_value", check_entry(draw_id, entry.output))
        value = record_value(draw_id, entry.output, confirmation.output)
        performed = perform(draw_id)
        value >> performed
        approve = leader_decision(
            "approve",
            "双随机抽查结果待分管领导审批",
            performed["summary"],
            notifiers=[LeaderApprovalNotifier()],
        )
        status = decide(draw_id, approve.output)
        render_notices(draw_id, status) >> send_task_sheets(draw_id)

    one_draw.expand(spec=plan_draws())


double_random_draw()
