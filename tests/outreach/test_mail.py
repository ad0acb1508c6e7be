"""The outbox against a real SMTP server on localhost: every message once, never twice."""

import datetime as dt

import pytest
from sqlalchemy import select

from conftest import free_port
from shuangsui import db
from shuangsui.outreach import mail

NOW = dt.datetime(2026, 11, 26, 3)


def settings(port):
    return mail.SmtpSettings(
        host="127.0.0.1", port=port, timeout=5, sender="shuangsui@ajj.zbgx.example.cn"
    )


@pytest.fixture
def attachment(engine, tmp_path):
    """A stored document with a Chinese file name, as the notices module stores them."""
    from shuangsui.draw import algorithm as draw

    path = tmp_path / "通知书_91370391MAP3UF2D99.docx"
    path.write_bytes(b"PK\x03\x04 not really a docx")
    with engine.begin() as conn:
        conn.execute(
            db.draw.insert().values(
                draw_id="D1",
                origin="o",
                year=2026,
                kind="专项治理",
                department="危险化学品监管科",
                params="{}",
                status="approved",
                pool_sha256="0" * 64,
                pool_size=0,
                roster_sha256="0" * 64,
                commitment=draw.commitment("s"),
                secret="s",
                public_value="",
                code_version="t",
                folder=str(tmp_path),
                created_at=NOW,
            )
        )
        return conn.execute(
            db.document.insert().values(
                draw_id="D1",
                kind="notice",
                subject_key="91370391MAP3UF2D99",
                format="docx",
                version=1,
                path=str(path),
                sha256="x",
                size=10,
                created_at=NOW,
            )
        ).inserted_primary_key[0]


def queue_three(engine, attachment):
    for iid, name, addr in (
        ("ZF001", "张伟", "zhangwei@ajj.example.cn"),
        ("ZF002", "李娜", "lina@ajj.example.cn"),
        ("ZF003", "王芳", "wangfang@ajj.example.cn"),
    ):
        mail.queue(
            engine,
            message_key=f"task_sheet/D1/{iid}",
            kind="task_sheet",
            recipient=addr,
            recipient_name=name,
            subject=f"【双随机抽查】执法检查任务单：{name}",
            body_html=f"<p>{name}同志：</p>",
            attachments=[attachment],
            draw_id="D1",
            now=NOW,
        )


def test_each_message_arrives_once_with_chinese_subject_names_and_attachment(
    engine, attachment, smtp_server
):
    queue_three(engine, attachment)
    assert mail.send_pending(engine, settings(smtp_server.port), now=NOW)["sent"] == 3
    assert len(smtp_server.messages) == 3
    m = smtp_server.messages[0]
    assert m["Subject"] == "【双随机抽查】执法检查任务单：张伟"
    assert m["To"].addresses[0].display_name == "张伟"
    [att] = list(m.iter_attachments())
    assert att.get_filename() == "通知书_91370391MAP3UF2D99.docx"
    assert att.get_content() == b"PK\x03\x04 not really a docx"
    # queueing and sending again changes nothing
    queue_three(engine, attachment)
    assert mail.send_pending(engine, settings(smtp_server.port), now=NOW)["sent"] == 0
    assert len(smtp_server.messages) == 3


def test_server_down_then_up_delivers_everything_exactly_once(engine, attachment, smtp_server):
    queue_three(engine, attachment)
    down = free_port()
    with pytest.raises(mail.DeliveryFailed, match="3 message"):
        mail.send_pending(engine, settings(down), now=NOW)
    with engine.connect() as conn:
        rows = conn.execute(
            select(db.outbox.c.status, db.outbox.c.attempts, db.outbox.c.last_error)
        ).all()
    assert all(
        r.status == "pending" and r.attempts == 1 and "Connection" in r.last_error for r in rows
    )
    assert mail.send_pending(engine, settings(smtp_server.port), now=NOW)["sent"] == 3
    assert mail.send_pending(engine, settings(smtp_server.port), now=NOW)["sent"] == 0
    assert len(smtp_server.messages) == 3


def test_a_bad_address_is_reported_and_the_others_still_go(engine, attachment, smtp_server):
    smtp_server.refuse.add("lina@ajj.example.cn")
    queue_three(engine, attachment)
    mail.queue(
        engine,
        message_key="task_sheet/D1/ZF004",
        kind="task_sheet",
        recipient="无邮箱",
        recipient_name="赵强",
        subject="任务单",
        body_html="<p>x</p>",
        now=NOW,
    )
    result = mail.send_pending(engine, settings(smtp_server.port), now=NOW)
    assert result == {"sent": 2, "bad_address": 1, "withdrawn": 0, "still_pending": 0}
    states = {s["message_key"]: s["status"] for s in mail.status(engine)}
    assert states == {
        "task_sheet/D1/ZF001": "sent",
        "task_sheet/D1/ZF002": "bad_address",
        "task_sheet/D1/ZF003": "sent",
        "task_sheet/D1/ZF004": "bad_address",
    }
    assert len(smtp_server.messages) == 2


TASK_SHEET_HTML = (
    "<!DOCTYPE html><html><head><title>任务单</title><style>body { margin: 0; }\n"
    ".page { padding: 37mm; }</style></head><body><div class='page'>"
    "<p class='to'>张伟同志：</p><p class='body'>你参加抽查任务 D1 的执法检查。</p>"
    "<table><tr><th>序号</th><th>单位名称</th></tr><tr><td>1</td><td>某化工公司</td></tr>"
    "</table></div></body></html>"
)


def _raw_headers(part) -> str:
    """A part's headers as they came over the wire (folded lines unfolded)."""
    from email import policy

    wire = part.as_string(policy=policy.default.clone(refold_source="none"))
    return wire.split("\n\n", 1)[0].replace("\n ", " ")


def test_a_task_sheet_mail_has_a_readable_text_part_china_time_reply_to_and_auto_submitted(
    engine, attachment, smtp_server
):
    mail.queue(
        engine,
        message_key="task_sheet/D1/ZF001",
        kind="task_sheet",
        recipient="zhangwei@ajj.example.cn",
        recipient_name="张伟",
        subject="【双随机抽查】执法检查任务单",
        body_html=TASK_SHEET_HTML,
        attachments=[attachment],
        draw_id="D1",
        now=NOW,
    )
    assert mail.send_pending(engine, settings(smtp_server.port), now=NOW)["sent"] == 1
    [m] = smtp_server.messages
    text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "{" not in text and "margin" not in text and "任务单\n" not in text
    assert (
        text == "张伟同志：\n\n你参加抽查任务 D1 的执法检查。\n\n序号 | 单位名称\n1 | 某化工公司\n"
    )
    assert m.get_body(("html",)).get_content().startswith("<!DOCTYPE html>")
    # 03:00 UTC is 11:00 in China
    assert m["Date"] == "Thu, 26 Nov 2026 11:00:00 +0800"
    assert m["Date"].endswith("+0800")
    [reply_to] = m["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == (
        "危险化学品监管科",
        "wh@ajj.zbgx.example.cn",
    )
    assert m["Auto-Submitted"] == "auto-generated"
    [att] = list(m.iter_attachments())
    raw = _raw_headers(att)
    ctype = next(h for h in raw.split("\n") if h.startswith("Content-Type:"))
    disposition = next(h for h in raw.split("\n") if h.startswith("Content-Disposition:"))
    assert 'name="=?utf-8?b?' in ctype
    assert "filename*=utf-8''%E9%80%9A%E7%9F%A5%E4%B9%A6_91370391MAP3UF2D99.docx" in disposition
    assert 'filename="=?utf-8?b?' in disposition
    # and what a reader of either form gets is the Chinese name
    assert att.get_filename() == "通知书_91370391MAP3UF2D99.docx"
    assert att["Content-Type"].params["name"] == "通知书_91370391MAP3UF2D99.docx"
    assert att.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


def test_reply_to_follows_the_configured_department_mailbox(
    engine, attachment, smtp_server, monkeypatch
):
    monkeypatch.setenv("SHUANGSUI_DEPARTMENT_EMAILS", '{"危险化学品监管科": "whp@example.gov.cn"}')
    queue_three(engine, attachment)
    mail.queue(
        engine,
        message_key="alert/x",
        kind="failure_alert",
        recipient="whp@example.gov.cn",
        recipient_name="危险化学品监管科",
        subject="【运行失败】",
        body_html="<p>x</p>",
        now=NOW,
    )
    mail.send_pending(engine, settings(smtp_server.port), now=NOW)
    replies = [m["Reply-To"].addresses[0].addr_spec for m in smtp_server.messages]
    assert replies == ["whp@example.gov.cn"] * 3 + ["zhiban@ajj.zbgx.example.cn"]  # no draw: 值班


def test_long_and_plain_attachment_names_round_trip_within_line_limits():
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    long = "双随机抽查_危险化学品监管科_2026年第3次_淄博某某精细化工股份有限公司_检查通知书.docx"
    msg = EmailMessage()
    msg["Subject"] = "x"
    msg.set_content("x")
    mail.attach(msg, long, b"1")
    mail.attach(msg, "report-2026.pdf", b"2")
    wire = msg.as_bytes(policy=policy.SMTP)
    # every line within 78 characters but the media type, which cannot be folded
    lines = wire.split(b"\r\n")
    assert all(len(x) <= 78 or x.startswith(b"Content-Type: application/vnd.") for x in lines)
    back = message_from_bytes(wire, policy=policy.default)
    first, second = back.iter_attachments()
    assert first.get_filename() == long and first["Content-Type"].params["name"] == long
    assert "filename*0*=utf-8''" in _raw_headers(first)
    assert second.get_filename() == "report-2026.pdf"
    assert 'filename="report-2026.pdf"' in _raw_headers(second)
    assert second.get_content_type() == "application/pdf"
