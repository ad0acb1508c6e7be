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
    assert result == {"sent": 2, "bad_address": 1, "still_pending": 0}
    states = {s["message_key"]: s["status"] for s in mail.status(engine)}
    assert states == {
        "task_sheet/D1/ZF001": "sent",
        "task_sheet/D1/ZF002": "bad_address",
        "task_sheet/D1/ZF003": "sent",
        "task_sheet/D1/ZF004": "bad_address",
    }
    assert len(smtp_server.messages) == 2
