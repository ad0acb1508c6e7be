"""Who is told what, and when (SPEC §1, R6): inspectors get their 任务单 with the notices
of their units once a draw is approved; the 分管领导 is told when an approval waits for
him; the responsible 科室 is alerted when a run fails. Everything goes through the outbox."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy import Engine, select

from shuangsui import config, db
from shuangsui.core.reference import RECUSABLE, DrawStatus
from shuangsui.documents import notices
from shuangsui.draw import record as records
from shuangsui.draw.summary import summary_markdown
from shuangsui.outreach import mail

# Task sheets go out once the 分管领导 approved, until the inspections close.
SENDABLE = tuple(s for s in RECUSABLE if s is not DrawStatus.DRAWN)


def department_emails() -> dict[str, str]:
    """科室 -> alert address (SHUANGSUI_DEPARTMENT_EMAILS, JSON); '*' is the fallback."""
    default = {"*": "zhiban@ajj.zbgx.example.cn"}
    return {**default, **json.loads(os.environ.get("SHUANGSUI_DEPARTMENT_EMAILS", "{}"))}


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
                    kind="task_sheet",
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
    """Tell the 分管领导 a draw waits for his approval (once per draw)."""
    b = config.bureau()
    with engine.connect() as conn:
        summary = summary_markdown(conn, draw_id)
    body = (
        "<p>分管领导：</p><p>以下双随机抽查结果待您审批，请在系统“待办事项”中批准或驳回。</p>"
        + (f'<p><a href="{link}">前往审批</a></p>' if link else "")
        + "<pre>"
        + summary.replace("<", "&lt;")
        + "</pre>"
    )
    return mail.queue(
        engine,
        message_key=f"approval/{draw_id}",
        kind="approval_request",
        recipient=b["leader_email"],
        recipient_name="分管领导",
        subject=f"【待审批】双随机抽查结果 {draw_id}",
        body_html=body,
        draw_id=draw_id,
        now=now,
    )[1]


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
        kind="failure_alert",
        recipient=to,
        recipient_name=department or "值班",
        subject=f"【运行失败】{dag_id} {run_id}",
        body_html=body,
        now=now,
    )[1]
