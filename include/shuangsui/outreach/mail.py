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
- withdraw: a message no longer true (an approval request once the draw is decided) is
  marked withdrawn and never sent; send_pending withdraws such a message itself, so a
  stale 【待审批】 never goes out even if nobody withdrew it.
- every message: Date in China time (+0800), Reply-To the responsible 科室's mailbox
  (replies reach people, not the system's sender), Auto-Submitted: auto-generated
  (RFC 3834: no auto-replies to it), a text/plain part read from the HTML part by a real
  parser (outreach.plain_text), attachment names every common mail client shows.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import mimetypes
import os
import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, select

from shuangsui import audit, config, db
from shuangsui.core.clock import CHINA, to_utc_naive, utcnow
from shuangsui.core.reference import DEPARTMENT_CODES, UNDECIDED, DrawStatus
from shuangsui.outreach.plain_text import html_to_text

EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


class OutboxStatus(StrEnum):
    """Where a message in the outbox (发件箱) stands."""

    PENDING = "pending"  # to be sent (again, after a failed attempt)
    SENT = "sent"
    BAD_ADDRESS = "bad_address"  # no valid address, or the server refused it: fix the address
    WITHDRAWN = "withdrawn"  # no longer true (an answered approval request): never sent


class MailKind(StrEnum):
    """What a message is (outbox.kind)."""

    TASK_SHEET = "task_sheet"  # an inspector's 任务单 with the notices of his units
    APPROVAL_REQUEST = "approval_request"  # the 分管领导: a draw waits for his decision
    FAILURE_ALERT = "failure_alert"  # a 科室: a run failed
    DEADLINE_WARNING = "deadline_warning"  # a 科室: results to publish soon
    OVERDUE_ALERT = "overdue_alert"  # a 科室: results overdue for publication


# A message true only while its draw is in one of these statuses: an approval request
# for a draw already approved or rejected would ask for what is done.
TRUE_WHILE: dict[str, tuple[DrawStatus, ...]] = {MailKind.APPROVAL_REQUEST: UNDECIDED}

MAIL_DOMAIN = "ajj.zbgx.example.cn"


def department_emails() -> dict[str, str]:
    """科室 -> its mailbox: where its alerts go and where replies to the mails of its
    draws go (Reply-To). SHUANGSUI_DEPARTMENT_EMAILS (JSON) overrides the defaults
    (危险化学品监管科 -> wh@ajj.zbgx.example.cn, ... by the 科室's code); '*' is the duty
    mailbox (值班), used for anything without a 科室."""
    default = {"*": f"zhiban@{MAIL_DOMAIN}"} | {
        dept: f"{code.lower()}@{MAIL_DOMAIN}" for dept, code in DEPARTMENT_CODES.items()
    }
    return {**default, **json.loads(os.environ.get("SHUANGSUI_DEPARTMENT_EMAILS", "{}"))}


def department_address(department: str | None) -> Address:
    """The mailbox of a 科室 (the duty mailbox when there is none) as an address."""
    emails = department_emails()
    if department and department in emails:
        return Address(department, addr_spec=emails[department])
    return Address("值班", addr_spec=emails["*"])


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
                status=OutboxStatus.BAD_ADDRESS if bad else OutboxStatus.PENDING,
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


def build(
    row,
    sender: str,
    attachments: list[tuple[str, bytes]],
    *,
    reply_to: Address,
    at: dt.datetime,
) -> EmailMessage:
    """The MIME message: UTF-8 subject and names (RFC 2047), Date `at` in China time,
    Reply-To the 科室, an HTML body with its plain-text reading as the alternative,
    attachments named for every common client (see attach)."""
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = Address(config.bureau()["short_name"], addr_spec=sender)
    msg["To"] = Address(row.recipient_name or "", addr_spec=row.recipient)
    msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(to_utc_naive(at).replace(tzinfo=dt.UTC).astimezone(CHINA))
    msg["Message-ID"] = f"<{_msgid(row.message_key)}@{sender.split('@')[-1]}>"
    # RFC 3834: sent by a program, so vacation and out-of-office replies stay away;
    # Outlook and Exchange read their own header for the same.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    # base64: Chinese text passes any server, 8BITMIME or not, at a third more size.
    msg.set_content(html_to_text(row.body_html), charset="utf-8", cte="base64")
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="base64")
    for name, data in attachments:
        attach(msg, name, data)
    return msg


def attach(msg: EmailMessage, name: str, data: bytes) -> None:
    """Attach a file under its (Chinese) name so that the common clients show it: the
    name both as RFC 2231 (filename*=, what standard readers such as Thunderbird, Apple
    Mail and Gmail take) and as RFC 2047 encoded words in quotes (name= on Content-Type,
    filename= on Content-Disposition: what Outlook, Foxmail and QQ Mail read). Python's
    email package writes only the first, so both headers are written here as they go
    out. Python's own parser flags the second form as a defect, and reads the name."""
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, subtype = ctype.split("/", 1)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, disposition="attachment")
    part = list(msg.iter_attachments())[-1]
    if re.fullmatch(r"[A-Za-z0-9._()+\-]+", name):
        plain, extended = f'"{name}"', []
    else:
        plain, extended = f'"{_encoded_words(name)}"', _rfc2231("filename", name)
    del part["Content-Type"], part["Content-Disposition"]
    part["Content-Type"] = _Verbatim("Content-Type", ctype, [f"name={plain}"])
    part["Content-Disposition"] = _Verbatim(
        "Content-Disposition", "attachment", [f"filename={plain}", *extended]
    )


def _encoded_words(text: str, size: int = 36) -> str:
    """`text` as RFC 2047 'B' encoded words of at most `size` UTF-8 bytes each (every word
    whole characters, each under 75 characters), folded one a line."""
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if chunk and len(chunk) + len(b) > size:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _rfc2231(param: str, text: str, width: int = 60) -> list[str]:
    """`param*=utf-8''...` (RFC 2231), split into numbered sections of whole characters
    when it would not fit a line."""
    quoted = [quote(ch, safe="") for ch in text]
    if sum(map(len, quoted)) <= width:
        return [f"{param}*=utf-8''{''.join(quoted)}"]
    sections, current = [], ""
    for q in quoted:
        if current and len(current) + len(q) > width:
            sections.append(current)
            current = ""
        current += q
    sections.append(current)
    return [
        f"{param}*{i}*=" + ("utf-8''" if i == 0 else "") + section
        for i, section in enumerate(sections)
    ]


class _Verbatim(str):
    """A header written exactly as given, one parameter a line (ASCII; a parameter may
    hold its own folds, "\\n "): the email package would re-encode the parameters its
    own way. As a string it is the unfolded value, as header objects are."""

    name: str
    folded: str

    def __new__(cls, name: str, value: str, params: list[str]) -> _Verbatim:
        folded = ";\n ".join([value, *params])
        self = super().__new__(cls, folded.replace("\n", ""))
        self.name, self.folded = name, folded
        return self

    def fold(self, *, policy) -> str:
        """The header as it goes out (email.policy calls this for header objects)."""
        return f"{self.name}: {self.folded}".replace("\n", policy.linesep) + policy.linesep


def _msgid(key: str) -> str:
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
    with the moment it was sent (`now`, when given, stands in for the clock). A message
    no longer true (TRUE_WHILE: an approval request of a decided draw) is withdrawn
    instead: it is never sent."""
    o = db.outbox
    q = select(o).where(o.c.status == OutboxStatus.PENDING).order_by(o.c.id)
    if kinds:
        q = q.where(o.c.kind.in_(kinds))
    if draw_id:
        q = q.where(o.c.draw_id == draw_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    sent, bad, withdrawn, failed = 0, 0, 0, []
    client = None
    for row in rows:
        at = now or utcnow()
        with engine.connect() as conn:
            stale, department = _draw_state(conn, row)
            if stale is None:
                msg = build(
                    row,
                    smtp.sender or config.bureau()["mail_from"],
                    _attachments(conn, json.loads(row.attachments)),
                    reply_to=department_address(department),
                    at=at,
                )
        if stale is not None:
            with engine.begin() as conn:
                withdrawn += _withdraw(conn, [row], reason=stale, now=at)
            continue
        status, error = OutboxStatus.SENT, None
        try:
            if client is None:
                client = smtp.connect()
            refused = client.send_message(msg)
            if refused:
                status, error = OutboxStatus.BAD_ADDRESS, f"refused: {refused}"
        except smtplib.SMTPRecipientsRefused as e:
            status, error = OutboxStatus.BAD_ADDRESS, f"refused: {e.recipients}"
        except (TimeoutError, smtplib.SMTPException, OSError) as e:
            status, error = OutboxStatus.PENDING, f"{type(e).__name__}: {e}"
            client = _close(client)
        with engine.begin() as conn:
            conn.execute(
                o.update()
                .where(o.c.id == row.id, o.c.status == OutboxStatus.PENDING)
                .values(
                    status=status,
                    attempts=o.c.attempts + 1,
                    last_error=error,
                    sent_at=at if status == OutboxStatus.SENT else None,
                    smtp_message_id=msg["Message-ID"] if status == OutboxStatus.SENT else None,
                )
            )
            if status != OutboxStatus.PENDING:
                _record(conn, row, status, at, error=error)
        sent += status == OutboxStatus.SENT
        bad += status == OutboxStatus.BAD_ADDRESS
        if status == OutboxStatus.PENDING:
            failed.append(f"{row.message_key}: {error}")
    _close(client)
    result = {
        "sent": sent,
        "bad_address": bad,
        "withdrawn": withdrawn,
        "still_pending": len(failed),
    }
    if failed:
        raise DeliveryFailed(
            f"{len(failed)} message(s) not delivered, kept pending for the "
            f"next attempt; first: {failed[0]}"
        )
    return result


def _draw_state(conn: Connection, row) -> tuple[str | None, str | None]:
    """(why the message is no longer true, or None; the 科室 of its draw, if any)."""
    if row.draw_id is None:
        return None, None
    d = db.draw
    draw = conn.execute(
        select(d.c.status, d.c.department).where(d.c.draw_id == row.draw_id)
    ).one_or_none()
    if draw is None:
        return None, None
    true_while = TRUE_WHILE.get(row.kind)
    if true_while is not None and draw.status not in true_while:
        return f"draw {row.draw_id} is {draw.status}: no longer waiting for a decision", None
    return None, draw.department


def withdraw(engine: Engine, *, kind: str, draw_id: str, reason: str, now: dt.datetime) -> int:
    """Withdraw the still-pending messages of a kind for a draw: marked withdrawn (never
    sent), each with an audit event. Returns how many; again changes nothing."""
    o = db.outbox
    with engine.begin() as conn:
        rows = conn.execute(
            select(o.c.id, o.c.message_key, o.c.recipient).where(
                o.c.kind == kind, o.c.draw_id == draw_id, o.c.status == OutboxStatus.PENDING
            )
        ).all()
        return _withdraw(conn, rows, reason=reason, now=now)


def _withdraw(conn: Connection, rows, *, reason: str, now: dt.datetime) -> int:
    o = db.outbox
    done = 0
    for row in rows:
        changed = conn.execute(
            o.update()
            .where(o.c.id == row.id, o.c.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.WITHDRAWN, last_error=reason)
        ).rowcount
        if changed:
            _record(conn, row, OutboxStatus.WITHDRAWN, now, reason=reason)
            done += 1
    return done


def _close(client):
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None


def status(engine: Engine, draw_id: str | None = None) -> list[dict]:
    """The outbox (of one draw): key, recipient, status, attempts, last error, in order."""
    o = db.outbox
    q = select(o.c.message_key, o.c.recipient, o.c.status, o.c.attempts, o.c.last_error)
    if draw_id:
        q = q.where(o.c.draw_id == draw_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(o.c.id))]


def _record(conn, row, status: str, now, **detail) -> None:
    """The audit event of what became of an outbox message."""
    audit.record(
        conn,
        f"mail.{status}",
        {"message_key": row.message_key, "recipient": row.recipient, **detail},
        actor="mail",
        entity="outbox",
        entity_key=row.message_key,
        now=now,
    )
