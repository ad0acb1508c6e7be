"""The audit trail anchored on the public site: each build publishes the chain's head in
audit/heads.jsonl (append-only), and `shuangsui verify-audit --against` catches a table
that no longer extends a published head — emptied, shortened, or rewritten and re-chained,
which the chain alone cannot tell. On SQLite and PostgreSQL."""

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shuangsui import audit, cli, db
from shuangsui.publish import audit_heads, site

T0 = dt.datetime(2026, 11, 26, 1)
BUILT = dt.datetime(2026, 12, 20, 2)


def _events(engine, n, start=0):
    with engine.begin() as conn:
        for i in range(start, start + n):
            audit.record(conn, "test.event", {"n": i}, now=T0 + dt.timedelta(minutes=i))


def _as_owner(conn):
    """What only the table's owner (or a superuser) can do: switch off the append-only
    triggers (on SQLite, where there is no owner, drop them)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        for verb in ("update", "delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}"))


def _verify(db_url, capsys, *against) -> tuple[int, str]:
    args = ["--db", db_url, "verify-audit"] + (["--against", str(against[0])] if against else [])
    rc = cli.main(args)
    return rc, capsys.readouterr().out


def _heads(folder) -> list[dict]:
    return [json.loads(ln) for ln in (folder / audit_heads.HEADS).read_text().splitlines()]


@pytest.fixture
def published(engine, db_url, tmp_path, monkeypatch):
    """Five events, the site built (its head: event 5) into tmp_path/site."""
    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    _events(engine, 5)
    out = tmp_path / "site"
    site.build_site(engine, out, now=BUILT)
    return out


def test_the_audit_trail_cannot_be_emptied(engine):
    _events(engine, 2)
    # SQLite has no TRUNCATE: emptying a table there is DELETE, which its trigger refuses.
    empty = (
        "TRUNCATE audit_event" if engine.dialect.name == "postgresql" else "DELETE FROM audit_event"
    )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(empty))
    with engine.connect() as conn:
        assert audit.count(conn) == 2
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        triggers = conn.execute(
            text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
        ).scalars()
        assert list(triggers) == ["audit_event_no_change", "audit_event_no_truncate"]


def test_the_head_is_the_last_event_or_genesis(engine):
    with engine.connect() as conn:
        assert audit.head(conn) == {"seq": 0, "sha256": audit.GENESIS}
    _events(engine, 3)
    with engine.connect() as conn:
        last = conn.execute(select(db.audit_event.c.hash).where(db.audit_event.c.seq == 3))
        assert audit.head(conn) == {"seq": 3, "sha256": last.scalar_one()}


def test_every_build_publishes_the_head_and_heads_jsonl_only_grows(engine, published, tmp_path):
    out = published
    with engine.connect() as conn:
        head5 = audit.head(conn)
    first = {**head5, "published_at": "2026-12-20T02:00:00Z"}
    assert _heads(out) == [first]
    assert json.loads((out / audit_heads.HEAD).read_text()) == {**first, "heads": "heads.jsonl"}
    index, verify = (out / "index.html").read_text(), (out / "verify.html").read_text()
    assert head5["sha256"] in index and "共5条" in index and "2026-12-20 10:00" in index
    assert head5["sha256"] in verify and 'href="audit/heads.jsonl"' in verify
    sums = (out / "SHA256SUMS").read_text()
    assert "  audit/heads.jsonl\n" in sums and "  audit/head.json\n" in sums

    # The same head again, even built later: no line added, not a byte changed.
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    site.build_site(engine, out, now=BUILT + dt.timedelta(days=3))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

    # A new event: its head is appended, the earlier line kept as it was written.
    _events(engine, 2, start=5)
    later = dt.datetime(2026, 12, 27, 8, 30, 15, 123456, tzinfo=dt.UTC)
    site.build_site(engine, out, now=later)
    lines = (out / audit_heads.HEADS).read_text().splitlines()
    assert lines[0] == audit_heads.line(first) and len(lines) == 2
    assert _heads(out)[1]["seq"] == 7 and _heads(out)[1]["published_at"] == "2026-12-27T08:30:15Z"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", h["published_at"]) for h in _heads(out)
    )
    assert json.loads((out / audit_heads.HEAD).read_text())["seq"] == 7

    # A caller writing a tree without the heads (render of fresh data) drops none of them.
    data = site.load(engine, BUILT)
    site.write_tree(out, site.render(data))
    assert (out / audit_heads.HEADS).read_text().splitlines() == lines

    # Another folder starts its own file; the same head gives the same line.
    fresh = tmp_path / "fresh"
    site.build_site(engine, fresh, now=later)
    assert (fresh / audit_heads.HEADS).read_text().splitlines() == lines[1:]


def test_an_untouched_chain_extends_every_published_head(engine, db_url, published, capsys):
    _events(engine, 3, start=5)
    site.build_site(engine, published, now=BUILT + dt.timedelta(days=1))
    rc, out = _verify(db_url, capsys, published)
    assert rc == 0, out
    assert "audit chain intact: 8 events" in out and "extends all 2 published heads" in out
    rc, out = _verify(db_url, capsys, published / audit_heads.HEADS)  # the heads file itself
    assert rc == 0, out


def test_deleting_the_last_events_is_caught_against_the_published_heads(
    engine, db_url, published, capsys
):
    with engine.begin() as conn:
        _as_owner(conn)
        conn.execute(text("DELETE FROM audit_event WHERE seq > 3"))
    rc, out = _verify(db_url, capsys)
    assert rc == 0 and "intact: 3 events" in out  # the chain alone cannot tell
    rc, out = _verify(db_url, capsys, published)
    assert rc == 1
    assert "已公布的审计链头第 5 条" in out and "published head seq 5" in out
    assert "在数据库中不存在" in out and "missing from the database" in out


def test_an_emptied_table_is_caught_against_the_published_heads(engine, db_url, published, capsys):
    with engine.begin() as conn:
        _as_owner(conn)  # on PostgreSQL also the TRUNCATE trigger
        conn.execute(text("DELETE FROM audit_event"))
    rc, out = _verify(db_url, capsys)
    assert rc == 0 and "intact: 0 events" in out
    rc, out = _verify(db_url, capsys, published)
    assert rc == 1 and "seq 5" in out and "emptied" in out


def test_a_rewritten_and_rechained_table_is_caught_against_the_published_heads(
    engine, db_url, published, capsys
):
    ae = db.audit_event
    with engine.begin() as conn:
        _as_owner(conn)
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 3"), {"p": '{"n":99}'})
        prev = audit.GENESIS
        for r in conn.execute(select(ae).order_by(ae.c.seq)).all():  # re-chain from the start
            digest = audit._digest(
                r.seq, r.occurred_at, r.actor, r.action, r.entity, r.entity_key, r.payload, prev
            )
            conn.execute(ae.update().where(ae.c.seq == r.seq).values(prev_hash=prev, hash=digest))
            prev = digest
    rc, out = _verify(db_url, capsys)
    assert rc == 0 and "intact: 5 events" in out
    rc, out = _verify(db_url, capsys, published)
    assert rc == 1
    assert "已公布的审计链头第 5 条" in out and "记录被改写" in out
    assert "does not match the database" in out and "rewritten" in out


def test_an_edit_below_a_head_is_named_and_a_bad_heads_file_is_refused(
    engine, db_url, published, capsys, tmp_path
):
    with engine.begin() as conn:
        _as_owner(conn)
        conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2"))
    rc, out = _verify(db_url, capsys, published)
    assert rc == 1 and "BROKEN at event 2" in out and "breaks at event 2" in out
    bad = tmp_path / "heads.jsonl"
    bad.write_text('{"seq": 1, "sha256": "abc"}\n', encoding="utf-8")
    rc, out = _verify(db_url, capsys, bad)
    assert rc == 2 and "line 1" in out
    rc, out = _verify(db_url, capsys, tmp_path / "nowhere")
    assert rc == 2 and "no such heads file" in out
