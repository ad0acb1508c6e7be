"""Airflow-side pieces the workflows share: assets, task defaults, the run moment.
Lives in plugins/ because Airflow puts that folder on sys.path for DAG files."""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Asset, BaseNotifier

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 1, 1, tz=TZ)

# Updated by every successful registry sync; the draw schedules on it.
REGISTRY = Asset(name="shuangsui_registry", uri="shuangsui://registry/directories")


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


def smtp_settings(conn_id: str | None = None):
    """SMTP settings from an Airflow connection (SHUANGSUI_SMTP_CONN_ID, default
    smtp_default), read through the SMTP provider's hook so its extras (disable_ssl,
    disable_tls, timeout) mean what they mean there."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    from shuangsui.outreach.mail import SmtpSettings

    hook = SmtpHook(
        smtp_conn_id=conn_id or os.environ.get("SHUANGSUI_SMTP_CONN_ID", "smtp_default")
    )
    hook.smtp_connection = hook.get_connection(hook.smtp_conn_id)
    return SmtpSettings(
        host=hook.host,
        port=hook.port,
        ssl=hook.use_ssl,
        starttls=hook.smtp_starttls,
        user=hook.smtp_user or None,
        password=hook.smtp_password or None,
        timeout=hook.timeout,
        sender=hook.from_email or "",
    )


def _send_now(kinds):
    """Try to send at once; what cannot go now stays in the outbox for mail_outbox."""
    import logging

    from shuangsui.outreach import mail

    try:
        mail.send_pending(engine_for_task(), smtp_settings(), now=_utcnow(), kinds=kinds)
    except Exception as e:  # never let a mail problem fail the step it reports on
        logging.getLogger(__name__).error("mail kept in the outbox: %s", e)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class LeaderApprovalNotifier(BaseNotifier):
    """On a HITL approval step: email the 分管领导 that a draw waits for him."""

    def notify(self, context):
        from shuangsui.outreach import dispatch

        ti = context["ti"]
        draw_id = ti.xcom_pull(task_ids="one_draw.commit", map_indexes=ti.map_index)
        link = None
        try:
            from airflow.configuration import conf

            base = conf.get("api", "base_url", fallback="http://localhost:8080")
            link = f"{base.rstrip('/')}/dags/{ti.dag_id}/runs/{ti.run_id}/required_actions"
        except Exception:
            pass
        dispatch.queue_approval_request(engine_for_task(), draw_id, link=link, now=_utcnow())
        _send_now(("approval_request",))


class DepartmentFailureAlert(BaseNotifier):
    """On a failed run: alert the responsible 科室 (the run's department, else duty)."""

    def notify(self, context):
        from shuangsui.outreach import dispatch

        run = context["dag_run"]
        ti = context.get("ti")
        conf = run.conf or {}
        error = context.get("exception") or context.get("reason") or "see the task log"
        dispatch.queue_failure_alert(
            engine_for_task(),
            dag_id=run.dag_id,
            run_id=run.run_id,
            task_id=getattr(ti, "task_id", None),
            department=conf.get("department"),
            error=str(error),
            now=_utcnow(),
        )
        _send_now(("failure_alert",))


# Task defaults of every workflow: retries with backoff, and the 科室 alerted on failure.
DEFAULT_ARGS = {
    "owner": "shuangsui",
    # Tests shorten the delay (dag.test honours it); production keeps minutes.
    "retries": int(os.environ.get("SHUANGSUI_TASK_RETRIES", "2")),
    "retry_delay": dt.timedelta(
        seconds=int(os.environ.get("SHUANGSUI_RETRY_DELAY_SECONDS", "300"))
    ),
    "retry_exponential_backoff": 2.0,  # 5 min, then 10, ...: the SMTP server gets time
    "on_failure_callback": DepartmentFailureAlert(),
}


# Updated by every successful results intake; publication schedules on it.
RESULTS = Asset(name="shuangsui_results", uri="shuangsui://results/inspections")
# Updated by every publication run: the public site and open data.
PUBLIC_SITE = Asset(name="shuangsui_public_site", uri="shuangsui://public/site")


def intake_params(default_source_help: str) -> dict:
    """Trigger-form params of a landing-file intake (registry_sync, results_intake)."""
    from airflow.sdk import Param

    return {
        "source": Param(
            None,
            type=["null", "string"],
            title="Landing file or folder",
            description=default_source_help,
        ),
        "full_snapshot": Param(
            True,
            type="boolean",
            title="Full directory",
            description="Units missing from the files are marked 移出名录 "
            "(never deleted). Off for partial updates.",
        ),
        "upstream_conn_id": Param(
            None, type=["null", "string"], title="Upstream database connection id"
        ),
        "upstream_tables": Param(
            {},
            type="object",
            title="Upstream tables",
            description='e.g. {"enterprises": "ent_dir"} or {"results": "inspection_results"}',
        ),
    }


def intake(outlet, default_source: str):
    """prepare → apply → report: read and check landing files or upstream tables, apply
    the valid rows in one transaction (updating `outlet`), write the quality report.
    `default_source` names the shuangsui.config function giving the landing folder."""
    from airflow.sdk import get_current_context, task

    @task
    def prepare(params) -> str:
        """Read, normalize and validate; nothing is written to the database yet."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowFailException

        from shuangsui import config
        from shuangsui.intake import directories as registry

        run_id, now, today = run_moment(get_current_context())
        upstream = []
        if params.get("upstream_conn_id"):
            c = BaseHook.get_connection(params["upstream_conn_id"])
            url = registry.sqlalchemy_url(
                c.conn_type, c.host, c.schema, c.login, c.password, c.port, c.extra_dejson
            )
            upstream = [
                (url, table, entity, f"conn:{c.conn_id}/{table}")
                for entity, table in params["upstream_tables"].items()
            ]
        source = params.get("source")
        if source is None and not upstream:
            source = str(getattr(config, default_source)())
        work = config.work_dir() / run_id.replace(":", "_")
        try:
            return str(
                registry.prepare_run(
                    engine_for_task(),
                    source,
                    upstream,
                    run_id=run_id,
                    today=today,
                    workdir=work,
                    now=now,
                )
            )
        except registry.UnusableFile as e:
            raise AirflowFailException(str(e)) from e  # a bad file: retrying will not help

    @task(outlets=[outlet])
    def apply(prepared: str, params) -> dict:
        """Quarantine bad rows and apply valid ones, in one transaction."""
        from shuangsui.intake import directories as registry

        _, now, _ = run_moment(get_current_context())
        summary = registry.apply_run(
            engine_for_task(), prepared, now=now, full_snapshot=params["full_snapshot"]
        )
        return {"entities": summary["entities"], "quarantine_new": summary["quarantine_new"]}

    @task
    def report(prepared: str, summary: dict) -> str:
        """Write the human-readable data-quality report and say where it is."""
        from shuangsui import config
        from shuangsui.intake import quality_report as reports

        dag_id = get_current_context()["dag"].dag_id
        path = reports.quality_report(prepared, summary, folder=config.reports_dir() / dag_id)
        print(f"data-quality report: {path}")
        return str(path)

    prepared = prepare()
    return report(prepared, apply(prepared))


def leader_decision(task_id: str, subject: str, body: str, **kwargs):
    """A human-in-the-loop step for the 分管领导: 批准 or 驳回, with an optional remark."""
    from airflow.providers.standard.operators.hitl import HITLOperator
    from airflow.sdk import Param

    return HITLOperator(
        task_id=task_id,
        subject=subject,
        body=body,
        options=["批准", "驳回"],
        params={"reason": Param("", type="string", title="意见（驳回时请写明理由）")},
        **kwargs,
    )


def read_decision(answer: dict) -> tuple[bool, str, str]:
    """(approved, who answered, his remark) from a leader_decision step's result."""
    user = answer.get("responded_by_user") or {}
    return (
        answer["chosen_options"] == ["批准"],
        user.get("name") or user.get("id") or "unknown",
        (answer.get("params_input") or {}).get("reason", ""),
    )
