"""
### Mail outbox (发件箱)

Sends every message still pending in the outbox — task sheets, approval requests, alerts —
for instance after the SMTP server was down when a draw was approved. Runs every 30
minutes; a message is never sent twice (see shuangsui.outreach.mail).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, get_current_context, task

from shuangsui_airflow import DEFAULT_ARGS, START, engine_for_task, run_moment, smtp_settings


@dag(
    schedule=dt.timedelta(minutes=30),
    start_date=START,
    catchup=False,
    tags=["mail"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    max_active_runs=1,
)
def mail_outbox():
    @task
    def send_pending() -> dict:
        from shuangsui.outreach import mail

        _, now, _ = run_moment(get_current_context())
        return mail.send_pending(engine_for_task(), smtp_settings(), now=now)

    send_pending()


mail_outbox()
