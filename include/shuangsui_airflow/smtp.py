"""SMTP from an Airflow connection, and sending what the outbox holds."""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from shuangsui.core.clock import utcnow
from shuangsui.outreach.mail import SmtpSettings

log = logging.getLogger(__name__)


def smtp_settings(conn_id: str | None = None) -> SmtpSettings:
    """SMTP settings from an Airflow connection (SHUANGSUI_SMTP_CONN_ID, default
    smtp_default), read through the SMTP provider's hook so its extras (disable_ssl,
    disable_tls, timeout) mean what they mean there."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

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


def send_now(kinds: Sequence[str]) -> None:
    """Try to send at once from a callback; what cannot go now stays in the outbox for
    mail_outbox. A mail problem never fails the step it reports on."""
    from airflow.exceptions import AirflowException

    from shuangsui import db
    from shuangsui.outreach import mail

    try:
        mail.send_pending(db.engine(), smtp_settings(), now=utcnow(), kinds=tuple(kinds))
    except (
        AirflowException,
        mail.DeliveryFailed,
        smtplib.SMTPException,
        OSError,
        SQLAlchemyError,
    ) as e:
        log.error("mail kept in the outbox: %s", e)
