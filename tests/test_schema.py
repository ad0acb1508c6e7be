"""The schema from the migrations: what db.py declares, on both backends; seeded;
append-only audit."""

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, inspect, select, text
from sqlalchemy.exc import DBAPIError

from shuangsui import audit, db


def _schema_differences(conn) -> list:
    """Alembic's diff of the migrated database against db.metadata, noise filtered."""
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": False}
    )
    found = []
    for change in compare_metadata(context, db.metadata):
        # The migrations add plain indexes (ix_*) for the pool, history and deadline
        # queries; db.py mirrors the tables for Core queries and declares no index, so
        # each shows up as "remove_index". Only non-unique indexes found in the database
        # are skipped: a unique one, or an index db.py declares and the database lacks,
        # still counts.
        if change[0] == "remove_index" and isinstance(change[1], Index) and not change[1].unique:
            continue
        found.append(change)
    return found


def _describe(change) -> list[str]:
    """Alembic's change tuples as sentences: add_* is only in db.py, remove_* only in the
    database the migrations built."""
    if isinstance(change, list):  # modify_type / modify_nullable, one list per column
        return [
            f"{table}.{column}: {op.removeprefix('modify_')} is {in_db!r} in the database, "
            f"{in_code!r} in db.py"
            for op, _, table, column, _, in_db, in_code in change
        ]
    op, obj = change[0], change[-1]
    where = "declared in db.py, not made by the migrations"
    if op.startswith("remove_"):
        where = "made by the migrations, not declared in db.py"
    if op.endswith("_column"):
        return [f"column {change[2]}.{obj.name}: {where}"]
    table = getattr(obj, "table", obj)
    label = " ".join(filter(None, [op.split("_", 1)[1], obj.name]))
    columns = ", ".join(c.name for c in getattr(obj, "columns", ()))
    if isinstance(obj, ForeignKeyConstraint):
        columns += f" -> {obj.referred_table.name}"
    return [f"{label} ({columns}) on {table.name}: {where}"]


def _uniques(insp, table) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """The column sets a table keeps unique, in the database and in db.py."""
    in_db = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table.name)}
    in_db |= {tuple(i["column_names"]) for i in insp.get_indexes(table.name) if i["unique"]}
    in_code = {
        tuple(c.name for c in u.columns)
        for u in table.constraints
        if isinstance(u, UniqueConstraint)
    }
    in_code |= {tuple(c.name for c in i.columns) for i in table.indexes if i.unique}
    return in_db, in_code


def test_migrations_build_exactly_the_schema_db_py_declares(engine):
    with engine.connect() as conn:
        changes = _schema_differences(conn)
        problems = [line for change in changes for line in _describe(change)]
        reported = {
            (c[1].table.name, tuple(col.name for col in c[1].columns))
            for c in changes
            if isinstance(c, tuple) and isinstance(c[1], UniqueConstraint)
        }
        insp = inspect(conn)
        for name, table in db.metadata.tables.items():
            # Autogenerate does not compare primary keys, and on SQLite it does not see an
            # unnamed unique constraint (Column(unique=True)) that db.py lacks: compare
            # both here.
            in_db = insp.get_pk_constraint(name)["constrained_columns"]
            in_code = [c.name for c in table.primary_key]
            if in_db != in_code:
                problems.append(
                    f"primary key of {name}: {in_db} in the database, {in_code} in db.py"
                )
            unique_db, unique_code = _uniques(insp, table)
            for cols in sorted(unique_db ^ unique_code):
                if (name, cols) not in reported:
                    side = "the database" if cols in unique_db else "db.py"
                    problems.append(f"unique ({', '.join(cols)}) on {name}: only in {side}")
    assert not problems, "the migrations and db.py differ:\n" + "\n".join(problems)


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
