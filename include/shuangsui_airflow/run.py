"""The task's run: its id, its moment and its China day, and the business database —
what every task starts from, in one call (`current_run()`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pendulum
from sqlalchemy import Engine

from shuangsui.core.clock import CHINA_TZ_NAME


@dataclass(frozen=True)
class Run:
    """One DAG run as a task sees it."""

    dag_id: str
    run_id: str
    run_type: str
    now: dt.datetime  # the run's moment, naive UTC (as stored)
    today: dt.date  # the run's day in China (Asia/Shanghai)

    @property
    def scheduled(self) -> bool:
        return self.run_type == "scheduled"

    def engine(self) -> Engine:
        """The business database engine for this task process (SHUANGSUI_DB_URL)."""
        from shuangsui import db

        return db.engine()


def run_of(context: Any) -> Run:
    """The Run of a task or callback context. Manual and asset-triggered runs may have no
    logical_date: run_after always exists."""
    dag_run = context["dag_run"]
    after = pendulum.instance(dag_run.run_after)
    now, today = after.in_timezone("UTC").naive(), after.in_timezone(CHINA_TZ_NAME).date()
    return Run(
        dag_id=dag_run.dag_id,
        run_id=dag_run.run_id,
        run_type=str(getattr(dag_run, "run_type", "") or ""),
        # plain datetime and date, not pendulum's subclasses: they are stored and serialized
        now=dt.datetime.fromisoformat(now.isoformat()),
        today=dt.date(today.year, today.month, today.day),
    )


def current_run() -> Run:
    """The Run of the task being executed."""
    from airflow.sdk import get_current_context

    return run_of(get_current_context())
