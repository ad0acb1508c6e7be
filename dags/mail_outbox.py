# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""邮件发送（发件箱） (mail_outbox): wiring only; what staff read is
shuangsui_airflow/docs/mail_outbox.md, the steps are in shuangsui_airflow."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from shuangsui_airflow.dag_docs import doc_md
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run
from shuangsui_airflow.smtp import smtp_settings


@dag(
    dag_display_name="邮件发送",
    description="每 30 分钟补发发件箱中尚未发出的邮件",
    schedule=dt.timedelta(minutes=30),
    start_date=START,
    catchup=False,
    tags=["mail"],
    doc_md=doc_md("mail_outbox"),
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
