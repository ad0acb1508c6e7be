"""The two-phase draw's middle: wait, without holding a worker slot, until the public
source named at commit has drawn; then a clerk enters its announced value and a second
person confirms it (human in the loop)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import BaseOperator, Param
from airflow.sdk.exceptions import AirflowFailException

ENTER, ABANDON = "录入", "本期未开奖，作废"
CONFIRM, WRONG = "核对无误", "有误，退回重新录入"


class WaitForPublicSource(BaseOperator):
    """Defers to the triggerer until the draw's source is due (its draw time)."""

    template_fields = ("draw_id",)

    def __init__(self, *, draw_id: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.draw_id = draw_id

    def execute(self, context: Any) -> str:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        from shuangsui import db
        from shuangsui.core.clock import parse_utc, utcnow
        from shuangsui.draw import record

        with db.engine().connect() as conn:
            source = record.load(conn, self.draw_id).public_source
        if source is None:
            return "no source"
        due = parse_utc(source["due_at"])
        if due is None or utcnow() >= due:
            return source["due_at"]
        self.defer(
            trigger=DateTimeTrigger(moment=due.replace(tzinfo=dt.UTC)),
            method_name="execute_complete",
        )
        return source["due_at"]  # not reached: defer raises

    def execute_complete(self, context: Any, event: Any = None) -> str:
        return "due"


def value_entry(task_id: str, body: Any, **kwargs: Any):
    """A clerk enters the source's announced value (or abandons the draw)."""
    from airflow.providers.standard.operators.hitl import HITLOperator

    return HITLOperator(
        task_id=task_id,
        subject="请录入公开随机数（开奖号码）",
        body=body,
        options=[ENTER, ABANDON],
        params={
            "value": Param(None, type=["null", "string"], title="开奖号码"),
            "reason": Param("", type="string", title="说明（作废时请写明理由）"),
        },
        **kwargs,
    )


def value_confirmation(task_id: str, body: Any, **kwargs: Any):
    """A second person checks the entered value against the official announcement."""
    from airflow.providers.standard.operators.hitl import HITLOperator

    return HITLOperator(
        task_id=task_id,
        subject="请核对录入的公开随机数",
        body=body,
        options=[CONFIRM, WRONG],
        **kwargs,
    )


def answered_by(answer: dict) -> str:
    user = answer.get("responded_by_user") or {}
    return str(user.get("id") or user.get("name") or "")


class EntryRefused(AirflowFailException):
    """A wrong or unconfirmed entry: never retried; clear the entry step to enter again."""


def check_entry(engine: Any, draw_id: str, entry: dict) -> str:
    """The entry step's answer: abandon the draw (作废), or check the value's form and
    return what the second person is asked to confirm."""
    from airflow.sdk.exceptions import AirflowSkipException

    from shuangsui.draw import lifecycle, sources

    params = entry.get("params_input") or {}
    if entry["chosen_options"] == [ABANDON]:
        lifecycle.abandon(engine, draw_id, reason=params.get("reason") or "", by=answered_by(entry))
        raise AirflowSkipException(f"draw {draw_id} abandoned: {params.get('reason')}")
    with engine.connect() as conn:
        src = lifecycle.record(conn, draw_id).public_source
    try:
        value = sources.check_value(src, params.get("value") or "")
    except ValueError as e:
        raise EntryRefused(f"{e}；请清除“录入”步骤后重新录入") from e
    return (
        f"{answered_by(entry)} 录入的 {src['label']} 为 **{value}**。"
        "请对照官方公布的开奖公告核对；核对人不能是录入人。"
    )


def record_value(engine: Any, draw_id: str, entry: dict, confirmation: dict) -> str:
    """Record the value once a second person confirmed it."""
    from shuangsui.core.clock import to_utc_naive
    from shuangsui.draw import lifecycle
    from shuangsui.draw.algorithm import DrawRefused

    if confirmation["chosen_options"] != [CONFIRM]:
        raise EntryRefused("核对人认为录入有误：请清除“录入”步骤后重新录入")
    at = entry.get("responded_at")
    when = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    try:
        rec = lifecycle.enter_value(
            engine,
            draw_id,
            value=(entry.get("params_input") or {}).get("value") or "",
            entered_by=answered_by(entry),
            confirmed_by=answered_by(confirmation),
            entered_at=dt.datetime.fromisoformat(to_utc_naive(when).isoformat()),
        )
    except (DrawRefused, ValueError) as e:
        raise EntryRefused(str(e)) from e
    return rec.public_value
