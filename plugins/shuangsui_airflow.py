"""Airflow-side pieces the workflows share: assets, task defaults, the run moment.
Lives in plugins/ because Airflow puts that folder on sys.path for DAG files."""
from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 1, 1, tz=TZ)

# Updated by every successful registry sync; the draw schedules on it.
REGISTRY = Asset(name="shuangsui_registry", uri="shuangsui://registry/directories")

DEFAULT_ARGS = {
    "owner": "shuangsui",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=5),
}


def run_moment(context) -> tuple[str, dt.datetime, dt.date]:
    """The run's id, its moment (naive UTC, as stored) and its day in Asia/Shanghai.
    Manual and asset-triggered runs may have no logical_date: run_after always exists."""
    run = context["dag_run"]
    after = pendulum.instance(run.run_after)
    return run.run_id, after.in_timezone("UTC").naive(), after.in_timezone(TZ).date()


def engine_for_task():
    """The business database engine for this task process (SHUANGSUI_DB_URL)."""
    from shuangsui import db

    return db.engine()
