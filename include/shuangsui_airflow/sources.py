"""The two-phase draw's middle: wait, without holding a worker slot, until the public
source named at commit is due; then either a clerk enters its announced value and a
second person confirms it (a lottery, human in the loop), or the value is fetched from the
configured randomness beacon (the Airflow connection `shuangsui_beacon`)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import BaseOperator, Param
from airflow.sdk.exceptions import AirflowFailException

from shuangsui_airflow import hitl
from shuangsui_airflow.hitl import answered_by

ENTER, ABANDON = "录入", "本期未开奖，作废"
CONFIRM, WRONG = "核对无误", "有误，退回重新录入"
BEACON_CONN = "shuangsui_beacon"


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


class ValueEntry(HITLOperator):
    """The HITL step where a clerk enters the announced value; skipped for a draw whose
    source the system reads itself (the beacon)."""

    template_fields = (*HITLOperator.template_fields, "draw_id")

    def __init__(self, *, draw_id: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.draw_id = draw_id

    def execute(self, context: Any):
        from airflow.sdk.exceptions import AirflowSkipException

        from shuangsui import db

        if is_automatic(db.engine(), self.draw_id):
            raise AirflowSkipException(f"draw {self.draw_id}: its source is read automatically")
        return super().execute(context)


def value_entry(task_id: str, body: Any, draw_id: Any, **kwargs: Any) -> ValueEntry:
    """A clerk enters the source's announced value (or abandons the draw)."""
    return ValueEntry(
        task_id=task_id,
        draw_id=draw_id,
        subject="请录入公开随机数（开奖号码）",
        body=body,
        options=[ENTER, ABANDON],
        params={
            "value": Param(None, type=["null", "string"], title="开奖号码"),
            "reason": Param(None, type=["null", "string"], title="说明（作废时请写明理由）"),
        },
        **kwargs,
    )


def value_confirmation(task_id: str, body: Any, **kwargs: Any):
    """A second person checks the entered value against the official announcement."""
    return hitl.step(task_id, "请核对录入的公开随机数", body, [CONFIRM, WRONG], **kwargs)


class EntryRefused(AirflowFailException):
    """A wrong or unconfirmed entry: never retried; clear the entry step to enter again."""


def is_automatic(engine: Any, draw_id: str) -> bool:
    """Whether the draw's source is read by the system (the beacon), not entered."""
    from shuangsui.draw import lifecycle

    with engine.connect() as conn:
        return bool((lifecycle.record(conn, draw_id).public_source or {}).get("automatic"))


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
    from shuangsui.draw import lifecycle
    from shuangsui.draw.algorithm import DrawRefused

    if confirmation["chosen_options"] != [CONFIRM]:
        raise EntryRefused("核对人认为录入有误：请清除“录入”步骤后重新录入")
    try:
        rec = lifecycle.enter_value(
            engine,
            draw_id,
            value=(entry.get("params_input") or {}).get("value") or "",
            entered_by=answered_by(entry),
            confirmed_by=answered_by(confirmation),
            entered_at=hitl.answer_time(entry),
        )
    except (DrawRefused, ValueError) as e:
        raise EntryRefused(str(e)) from e
    return rec.public_value


def configured_beacon(conn_id: str = BEACON_CONN):
    """The randomness beacon of the Airflow connection `conn_id`, described by its /info:
    host (with scheme, or the connection's schema as scheme) and port; extras `chain` (a
    chain hash, added to the path as drand's API does) and `margin_seconds` (how long after
    commit the named round must be due; default 600)."""
    from airflow.sdk import BaseHook

    from shuangsui.draw import sources

    c = BaseHook.get_connection(conn_id)
    extra = c.extra_dejson or {}
    host = str(c.host or "").rstrip("/")
    base = host if "://" in host else f"{c.schema or 'http'}://{host}"
    if c.port:
        base += f":{c.port}"
    if extra.get("chain"):
        base += f"/{extra['chain']}"
    info = sources.fetch_json(f"{base}/info")
    if info is None:
        raise sources.SourceRefused(f"公开随机信标 {base} 没有 /info")
    margin = extra.get("margin_seconds")
    return sources.Beacon.from_info(base, info, None if margin is None else int(margin))


def fetch_value(engine: Any, draw_id: str, *, patience: float = 120, poll: float = 2) -> str:
    """The beacon round the draw named, fetched once due (polled for up to `patience`
    seconds, a beacon may be a little late) and recorded; skipped for a draw whose value a
    clerk enters."""
    from airflow.sdk.exceptions import AirflowSkipException

    from shuangsui.draw import lifecycle, sources
    from shuangsui.draw.algorithm import DrawRefused

    if not is_automatic(engine, draw_id):
        raise AirflowSkipException(f"draw {draw_id}: its value is entered by a clerk")
    deadline = time.monotonic() + patience
    while True:
        try:
            rec = lifecycle.fetch_value(engine, draw_id, fetch=sources.fetch_json)
        except (DrawRefused, ValueError) as e:
            raise EntryRefused(str(e)) from e
        if rec is not None:
            return rec.public_value
        if time.monotonic() > deadline:
            raise TimeoutError(f"draw {draw_id}: the beacon round is not published yet")
        time.sleep(poll)
