# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### 邮件发送（发件箱）

把发件箱里还没有发出的邮件发出去：执法检查任务单、待审批提醒、到期提醒和失败告警等。
例如批准抽取时邮件服务器暂时不可用，邮件留在发件箱，由这里补发。

**什么时候运行**：每 30 分钟自动运行一次，不需要填写任何内容；也可随时点击 **触发** 立即补发。

**保证**：同一封邮件不会发两次，也不会丢失。某个地址有误时只报告这一封，其他照常发送；
邮件服务器连不上时任务按间隔重试，仍失败则本次运行显示为失败，下次运行继续补发。

---

*For engineers*: one task, `send_pending` → `shuangsui.outreach.mail.send_pending` over the
outbox table, with the SMTP connection `smtp_default` (or `SHUANGSUI_SMTP_CONN_ID`).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

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
