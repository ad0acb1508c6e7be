"""Email through an outbox (发件箱): a message is queued once, under a key that says what
it is, and sent until it is sent — never twice, never lost.

- queue: one row per message_key; queueing the same key again changes nothing.
- send: each pending row is sent and marked sent in its own transaction. The SMTP server
  down: the row stays pending with the attempt and error counted, and send_pending raises
  once it has tried every row, so the task fails visibly and Airflow retries it with
  backoff; the next run sends what is still pending. A recipient the server refuses (or an
  address that cannot be valid) is marked bad_address and the others still go.
- Message-ID is derived from the key, so even a resend after a crash in the instant
  between SMTP's OK and our commit is recognisable as the same message.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from sqlalchemy import Engine, select

from shuangsui import audit, config, db
from shuangsui.core.clock import utcnow

EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


@dataclass
class SmtpSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: int = 30
    sender: str = ""

    def connect(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        client = cls(self.host, self.port, timeout=self.timeout)
        if self.starttls and not self.ssl:
            client.starttls()
            client.ehlo()
        if self.user and self.password:
            client.login(self.user, self.password)
        return client


class DeliveryFailed(RuntimeError):
    """Messages are still pending after this attempt (the server is down or refusing)."""


def queue(
    engine: Engine,
    *,
    message_key: str,
    kind: str,
    recipient: str | None,
    recipient_name: str | None,
    subject: str,
    body_html: str,
    attachments: Sequence[int] = (),
    draw_id: str | None = None,
    now: dt.datetime,
) -> tuple[int, bool]:
    """Queue a message once; returns (outbox id, newly queued)."""
    o = db.outbox
    with engine.begin() as conn:
        existing = conn.execute(select(o.c.id).where(o.c.message_key == message_key)).scalar()
        if existing:
            return existing, False
        bad = not (recipient and EMAIL.match(recipient))
        oid = conn.execute(
            o.insert().values(
                message_key=message_key,
                draw_id=draw_id,
                kind=kind,
                recipient=recipient,
                recipient_name=recipient_name,
                subject=subject,
                body_html=body_html,
                attachments=json.dumps(list(attachments)),
                attempts=0,
                created_at=now,
                status="bad_address" if bad else "pending",
                last_error=f"no valid email address: {recipient!r}" if bad else None,
            )
        ).inserted_primary_key[0]
        audit.record(
            conn,
            "mail.queued",
            {"message_key": message_key, "kind": kind, "recipient": recipient, "bad_address": bad},
            actor="mail",
            entity="outbox",
            entity_key=message_key,
            now=now,
        )
    return oid, True


def build(row, sender: str, attachments: list[tuple[str, bytes]]) -> EmailMessage:
    """The MIME message: UTF-8 subject and names (RFC 2047), attachment file names in
    Chinese (RFC 2231), an HTML body with a plain-text alternative."""
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = Address(config.bureau()["short_name"], addr_spec=sender)
    msg["To"] = Address(row.recipient_name or "", addr_spec=row.recipient)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{_msgid(row.message_key)}@{sender.split('@')[-1]}>"
    msg.set_content(re.sub(r"<[^>]+>", "", row.body_html), charset="utf-8")
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8")
    for name, data in attachments:
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _msgid(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _attachments(conn, ids: list[int]) -> list[tuple[str, bytes]]:
    if not ids:
        return []
    d = db.document
    rows = conn.execute(select(d.c.id, d.c.path).where(d.c.id.in_(ids))).all()
    by_id = {r.id: r.path for r in rows}
    return [(Path(by_id[i]).name, Path(by_id[i]).read_bytes()) for i in ids]


def send_pending(
    engine: Engine,
    smtp: SmtpSettings,
    *,
    now: dt.datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    draw_id: str | None = None,
) -> dict:
    """Send every pending message (optionally of some kinds or one draw). Each is stamped
    with the moment it was sent (`now`, when given, stands in for the clock)."""
    o = db.outbox
    q = select(o).where(o.c.status == "pending").order_by(o.c.id)
    if kinds:
        q = q.where(o.c.kind.in_(kinds))
    if draw_id:
        q = q.where(o.c.draw_id == draw_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    sent, bad, failed = 0, 0, []
    client = None
    for row in rows:
        with engine.connect() as conn:
            msg = build(
                row,
                smtp.sender or config.bureau()["mail_from"],
                _attachments(conn, json.loads(row.attachments)),
            )
        status, error = "sent", None
        try:
            if client is None:
                client = smtp.connect()
            refused = client.send_message(msg)
            if refused:
                status, error = "bad_address", f"refused: {refused}"
        except smtplib.SMTPRecipientsRefused as e:
            status, error = "bad_address", f"refused: {e.recipients}"
        except (TimeoutError, smtplib.SMTPException, OSError) as e:
            status, error = "pending", f"{type(e).__name__}: {e}"
            client = _close(client)
        at = now or utcnow()
        with engine.begin() as conn:
            conn.execute(
                o.update()
                .where(o.c.id == row.id, o.c.status == "pending")
                .values(
                    status=status,
                    attempts=o.c.attempts + 1,
                    last_error=error,
                    sent_at=at if status == "sent" else None,
                    smtp_message_id=msg["Message-ID"] if status == "sent" else None,
                )
            )
            if status != "pending":
                audit.record(
                    conn,
                    f"mail.{status}",
                    {"message_key": row.message_key, "recipient": row.recipient, "error": error},
                    actor="mail",
                    entity="outbox",
                    entity_key=row.message_key,
                    now=at,
                )
        sent += status == "sent"
        bad += status == "bad_address"
        if status == "pending":
            failed.append(f"{row.message_key}: {error}")
    _close(client)
    result = {"sent": sent, "bad_address": bad, "still_pending": len(failed)}
    if failed:
        raise DeliveryFailed(
            f"{len(failed)} message(s) not delivered, kept pending for the "
            f"next attempt; first: {failed[0]}"
        )
    return result


def _close(client):
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None


def status(engine: Engine, draw_id: str | None = None) -> list[dict]:
    o = db.outbox
    q = select(o.c.message_key, o.c.recipient, o.c.status, o.c.attempts, o.c.last_error)
    if draw_id:
        q = q.where(o.c.draw_id == draw_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(o.c.id))]
