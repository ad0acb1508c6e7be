"""The steps of the double-random draw DAG (dags/double_random_draw.py), as its tasks run
them: each takes what its task receives and calls the domain package."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from airflow.sdk.exceptions import AirflowFailException

from shuangsui.core.clock import china_minute, parse_utc, utcnow
from shuangsui_airflow import sources as sources_step
from shuangsui_airflow.decisions import read_decision
from shuangsui_airflow.run import current_run
from shuangsui_airflow.smtp import smtp_settings
from shuangsui_airflow.timetable import round_of

log = logging.getLogger(__name__)


class DrawNotPossible(AirflowFailException):
    """A draw the rules refuse (第七条): the task fails at once, never retried, since
    running it again would refuse it again."""


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the rules' refusals into a failure without retries, the rule and shortfall
    logged first."""
    from shuangsui.draw.algorithm import DrawRefused, TeamImpossible
    from shuangsui.draw.plan import PlanInvalid
    from shuangsui.draw.sources import SourceRefused

    try:
        yield
    except (DrawRefused, TeamImpossible, SourceRefused, PlanInvalid) as e:
        log.error("不予抽取（不重试）：%s", e)
        raise DrawNotPossible(f"不予抽取：{e}") from e


def plan_draws(params) -> list[dict]:
    """The draws this run makes: one from the form, or one per 科室 from the plans."""
    from shuangsui.draw import spec

    run = current_run()
    with refusals(), run.engine().connect() as conn:
        specs = spec.specs_for_run(
            conn,
            params,
            today=run.today,
            scheduled_round=round_of(run.today) if run.scheduled else None,
        )
    return [{**asdict(s), "origin": f"{run.dag_id}/{run.run_id}/{s.department}"} for s in specs]


def commit(spec: dict) -> str:
    """Freeze pool and roster; publish hashes, the seed commitment and the future
    public source it will be drawn with."""
    from shuangsui.draw import lifecycle
    from shuangsui.draw.spec import Spec

    spec = dict(spec)
    origin = spec.pop("origin")
    with refusals():
        beacon = sources_step.configured_beacon() if spec.get("source") == "beacon" else None
        return lifecycle.commit(
            current_run().engine(), Spec(**spec), origin=origin, now=utcnow(), beacon=beacon
        )


def publish_commitment(draw_id: str) -> str:
    """Put the commitment on the public site at once, before its value exists; returns
    what the clerk who will enter the value reads."""
    from shuangsui import config
    from shuangsui.draw import lifecycle
    from shuangsui.publish import site

    eng = current_run().engine()
    site.build_site(eng, config.site_dir(), now=utcnow())
    with eng.connect() as conn:
        rec = lifecycle.record(conn, draw_id)
    src = rec.public_source or {}
    due = china_minute(parse_utc(src.get("due_at")))
    return (
        f"抽查任务 {draw_id}（{rec.department}）的承诺已于公示网站公布。\n\n"
        f"请在开奖后录入 **{src.get('label', '')}**（{src.get('digits')} 位数字，"
        f"开奖时间 {due}（北京时间）），由另一名工作人员核对确认。"
        "如该期未开奖，请选择作废并写明理由。"
    )


def check_entry(draw_id: str, entry: dict) -> str:
    """Check the entered value's form (or abandon the draw); what the second person is
    asked to confirm."""
    return sources_step.check_entry(current_run().engine(), draw_id, entry)


def record_value(draw_id: str, entry: dict, confirmation: dict) -> str:
    """Record the confirmed value; the draw may now be performed."""
    return sources_step.record_value(current_run().engine(), draw_id, entry, confirmation)


def fetch_value(draw_id: str) -> str:
    """Fetch the beacon round the draw named, check and record it (skipped when a clerk
    enters the value)."""
    return sources_step.fetch_value(current_run().engine(), draw_id)


def perform(draw_id: str) -> dict:
    """Draw targets and teams; returns the draw id and what the 分管领导 reads."""
    from shuangsui.draw import lifecycle, summary

    eng = current_run().engine()
    with refusals():
        lifecycle.perform(eng, draw_id, now=utcnow())
    with eng.connect() as conn:
        return {"draw_id": draw_id, "summary": summary.summary_markdown(conn, draw_id)}


def decide(draw_id: str, answer: dict) -> str:
    """Record the decision: approved, or rejected with its reason; the approval mail still
    waiting in the outbox is withdrawn."""
    from shuangsui.draw import lifecycle
    from shuangsui.outreach import dispatch

    eng = current_run().engine()
    rec = lifecycle.decide(eng, draw_id, **read_decision(answer).as_kwargs())
    dispatch.withdraw_approval_request(eng, draw_id, now=utcnow())  # no stale 【待审批】
    return str(rec.status)


def render_notices(draw_id: str, status: str) -> int:
    """检查通知书, 任务单 and the summary, as DOCX and HTML, versioned. Skipped (and so is
    sending) unless the 分管领导 approved."""
    from airflow.sdk.exceptions import AirflowSkipException

    from shuangsui.core.reference import DrawStatus
    from shuangsui.documents import notices

    if status != DrawStatus.APPROVED:
        raise AirflowSkipException(f"draw {draw_id} is {status}: nothing is sent")
    return len(notices.render_draw(current_run().engine(), draw_id, now=utcnow()))


def send_task_sheets(draw_id: str) -> dict:
    """Email each inspector his 任务单 with the notices (outbox: never twice)."""
    from shuangsui.outreach import dispatch, mail

    eng = current_run().engine()
    dispatch.queue_task_sheets(eng, draw_id, now=utcnow())
    return mail.send_pending(eng, smtp_settings(), kinds=("task_sheet",), draw_id=draw_id)
