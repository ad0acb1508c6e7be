"""Task defaults and the schedule's start shared by every workflow."""

from __future__ import annotations

import datetime as dt
import os

import pendulum

from shuangsui.core.clock import CHINA_TZ_NAME
from shuangsui_airflow.notifiers import DepartmentFailureAlert

TZ = CHINA_TZ_NAME
START = pendulum.datetime(2026, 1, 1, tz=TZ)

# Retries with backoff, and the 科室 alerted on failure. Tests shorten the delay (dag.test
# honours it); production keeps minutes: 5 min, then 10, ... so the SMTP server gets time.
DEFAULT_ARGS = {
    "owner": "shuangsui",
    "retries": int(os.environ.get("SHUANGSUI_TASK_RETRIES", "2")),
    "retry_delay": dt.timedelta(
        seconds=int(os.environ.get("SHUANGSUI_RETRY_DELAY_SECONDS", "300"))
    ),
    "retry_exponential_backoff": 2.0,
    "on_failure_callback": DepartmentFailureAlert(),
}
