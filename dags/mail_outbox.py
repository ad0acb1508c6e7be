# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Mail outbox (发件箱)

Sends every message still pending in the outbox — task sheets, approval requests, alerts —
for instance after the SMTP server was down when a draw was approved. Runs every 30
minutes; a message is never sent twice (see shuangsui.outreach.mail).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run
from shuangsui_airflow.smtp import smtp_settings


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
        """Send what is pending; report what was sent, failed or kept."""
        from shuangsui.outreach import mail

        run = current_run()
        return mail.send_pending(run.engine(), smtp_settings())

    send_pending()


mail_outbox()
