"""Who is told what, and when (SPEC §1, R6): inspectors get their 任务单 with the notices
of their units once a draw is approved; the 分管领导 is told when an approval waits for
him, and that mail is withdrawn once he has decided; the responsible 科室 is alerted when a
run fails. Everything goes through the outbox."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from sqlalchemy import Engine, select

from shuangsui import config, db
from shuangsui.core.reference import RECUSABLE, DrawStatus
from shuangsui.documents import notices
from shuangsui.draw import record as records
from shuangsui.draw.summary import summary_markdown
from shuangsui.outreach import mail
from shuangsui.outreach.mail import MailKind, department_emails

# Task sheets go out once the 分管领导 approved, until the inspections close.
SENDABLE = tuple(s for s in RECUSABLE if s is not DrawStatus.DRAWN)

# The Airflow UI's own words, as its zh-CN translation shows them (airflow/ui/dist/i18n/
# locales/zh-CN: dag.json tabs.requiredActions, the run's tab of steps waiting for a
# person; hitl.json response.respond, the button that sends the answer), and the options
# of the leader's step (shuangsui_airflow.decisions). tests/outreach checks both.
UI_REQUIRED_ACTIONS = "待响应的任务实例"
UI_RESPOND = "发送响应"
APPROVE, REJECT = "批准", "驳回"


def queue_task_sheets(engine: Engine, draw_id: str, *, now: dt.datetime) -> int:
    """One email per inspector of an approved draw: his 任务单 as the body and as DOCX,
    with the 检查通知书 of each of his units attached. A changed task sheet (a recusal)
    is a new message marked 更正; an unchanged one is never queued again."""
    with engine.connect() as conn:
        rec = records.load(conn, draw_id)
        if rec.status not in SENDABLE:
            raise ValueError(
                f"draw {draw_id} is {rec.status}: nothing is sent before the 分管领导 approves it"
            )
        people = {
            r.inspector_id: r
            for r in conn.execute(
                select(db.inspector.c.inspector_id, db.inspector.c.name, db.inspector.c.email)
            )
        }
        units: dict[str, list[str]] = {}
        teams = rec.current_teams()
        for target in rec.targets:
            for iid in teams.get(target.uscc, []):
                units.setdefault(iid, []).append(target.uscc)
        # An inspector recused from all his units still has a task sheet (saying the
        # earlier one is void): he is told too.
        for d in notices.documents_for(conn, draw_id, kind="task_sheet"):
            units.setdefault(d["subject_key"], [])
        planned = []
        for iid, usccs in sorted(units.items()):
            sheet = {
                d["format"]: d
                for d in notices.documents_for(conn, draw_id, kind="task_sheet", subject_key=iid)
            }
            if "html" not in sheet or "docx" not in sheet:
                raise ValueError(f"draw {draw_id}: no task sheet for {iid}; render first")
            attach = [sheet["docx"]["id"]] + [
                d["id"]
                for u in usccs
                for d in notices.documents_for(conn, draw_id, kind="notice", subject_key=u)
                if d["format"] == "docx"
            ]
            html = Path(sheet["html"]["path"]).read_text(encoding="utf-8")
            correction = "【更正】" if sheet["docx"]["version"] > 1 else ""
            date = rec.params["inspection_date"]
            what = f"{date} 检查 {len(usccs)} 家单位" if usccs else "原任务单作废"
            planned.append(
                dict(
                    message_key=f"task_sheet/{draw_id}/{iid}/{sheet['docx']['sha256'][:16]}",
                    kind=MailKind.TASK_SHEET,
                    recipient=people[iid].email if iid in people else None,
                    recipient_name=people[iid].name if iid in people else iid,
                    subject=f"{correction}【双随机抽查】执法检查任务单：{what}（{draw_id}）",
                    body_html=html,
                    attachments=attach,
                    draw_id=draw_id,
                )
            )
    return sum(mail.queue(engine, now=now, **m)[1] for m in planned)


def queue_approval_request(
    engine: Engine, draw_id: str, *, link: str | None, now: dt.datetime
) -> bool:
    """Tell the 分管领导 a draw waits for his approval (once per draw): the summary he
    decides on, as HTML, and the way to the run's page where he answers, in the UI's
    words. Replies go to the draw's 科室."""
    leader = config.leaders()[0]
    with engine.connect() as conn:
        rec = records.load(conn, draw_id)
        summary = summary_markdown(conn, draw_id)
    subject = f"【待审批】双随机抽查结果 {draw_id}"
    body = (
        _mail_templates()
        .get_template("mail/approval_request.html.j2")
        .render(
            subject=subject,
            leader=leader,
            draw_id=draw_id,
            department=rec.department,
            kind=rec.kind,
            link=link,
            summary_html=_markdown().render(summary),
            required_actions=UI_REQUIRED_ACTIONS,
            respond=UI_RESPOND,
            approve=APPROVE,
            reject=REJECT,
            bureau=config.bureau(),
        )
    )
    return mail.queue(
        engine,
        message_key=f"approval/{draw_id}",
        kind=MailKind.APPROVAL_REQUEST,
        recipient=config.bureau()["leader_email"],
        recipient_name=leader.name,
        subject=subject,
        body_html=body,
        draw_id=draw_id,
        now=now,
    )[1]


def withdraw_approval_request(engine: Engine, draw_id: str, *, now: dt.datetime) -> int:
    """Once the 分管领导 has decided a draw: its approval request, if still unsent, is
    withdrawn (never sent, audited). Returns how many were; again changes nothing.
    (send_pending also never sends the request of a decided draw.)"""
    return mail.withdraw(
        engine,
        kind=MailKind.APPROVAL_REQUEST,
        draw_id=draw_id,
        reason=f"draw {draw_id} was decided before its approval request went out",
        now=now,
    )


@functools.cache
def _mail_templates() -> Environment:
    """The mail templates (templates/mail), HTML-escaped."""
    return Environment(
        loader=PackageLoader("shuangsui", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


@functools.cache
def _markdown() -> MarkdownIt:
    """CommonMark with tables (as the Airflow UI shows the step's body); raw HTML in the
    text is escaped, never passed through."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def queue_failure_alert(
    engine: Engine,
    *,
    dag_id: str,
    run_id: str,
    task_id: str | None,
    department: str | None,
    error: str,
    now: dt.datetime,
) -> bool:
    """Alert the responsible 科室 (or the duty address) that a run failed."""
    emails = department_emails()
    to = emails.get(department or "", emails["*"])
    body = (
        f"<p>{department or '值班人员'}：</p><p>工作流 <b>{dag_id}</b> 运行 <code>{run_id}</code>"
        f"{'（任务 ' + task_id + '）' if task_id else ''} 执行失败，请及时处理。</p>"
        f"<p>错误信息：</p><pre>{error.replace('<', '&lt;')}</pre>"
    )
    return mail.queue(
        engine,
        message_key=f"alert/{dag_id}/{run_id}/{task_id or '-'}",
        kind=MailKind.FAILURE_ALERT,
        recipient=to,
        recipient_name=department or "值班",
        subject=f"【运行失败】{dag_id} {run_id}",
        body_html=body,
        now=now,
    )[1]
