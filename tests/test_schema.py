"""The schema from the migrations: the same on both backends, seeded, append-only audit."""

import datetime as dt

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from shuangsui import audit, db

TABLES = {
    "enterprise",
    "enterprise_history",
    "inspector",
    "inspector_history",
    "conflict",
    "conflict_history",
    "checklist_item",
    "quarantine",
    "audit_event",
    "annual_plan",
    "draw",
    "draw_selection",
    "team_assignment",
    "recusal",
    "document",
    "outbox",
    "inspection_result",
    "inspection_result_history",
    "publication",
}


def test_migrations_create_the_tables_the_code_queries(engine):
    insp = inspect(engine)
    assert set(insp.get_table_names()) >= TABLES
    for name in TABLES:
        in_db = {c["name"] for c in insp.get_columns(name)}
        assert in_db == set(db.metadata.tables[name].columns.keys()), name


def test_checklist_is_seeded_with_the_fourteen_items_of_article_six(engine):
    with engine.connect() as conn:
        items = conn.execute(select(db.checklist_item).order_by(db.checklist_item.c.code)).all()
    assert [i.code for i in items] == [f"SC-{n:02d}" for n in range(1, 15)]
    assert all(i.version == 1 and i.subject and i.basis and i.liability for i in items)
    assert any(
        "《中华人民共和国安全生产法》" in i.basis or "《安全生产法》" in i.basis for i in items
    )
    assert any("职业病防治法" in i.basis for i in items)


def test_audit_events_cannot_be_edited_or_removed(engine):
    with engine.begin() as conn:
        audit.record(conn, "test.event", {"n": 1}, now=dt.datetime(2026, 11, 26))
    for sql in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))


def test_verify_audit_finds_the_first_edited_event(engine):
    with engine.begin() as conn:
        for n in range(5):
            audit.record(conn, "test.event", {"n": n}, now=dt.datetime(2026, 11, 26, 1, n))
    with engine.begin() as conn:  # someone with DBA rights edits the third event
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 3"), {"p": '{"n":99}'})
    with engine.connect() as conn:
        report = audit.verify(conn)
    assert (report.first_broken, report.reason) == (3, "content was changed after it was recorded")
