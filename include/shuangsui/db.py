"""The business database: engine, table definitions for queries, and migrations.

The schema itself is created and changed only by the Alembic migrations in sql/; the
tables below mirror it for SQLAlchemy Core queries."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine

from shuangsui import config

metadata = MetaData()


enterprise_attrs = (
    "name",
    "industry",
    "department",
    "key_enterprise",
    "risk_class",
    "status",
    "address",
    "legal_rep",
)
inspector_attrs = (
    "name",
    "cert_no",
    "cert_expiry",
    "department",
    "industries",
    "active",
    "email",
    "phone",
)
conflict_attrs = ("reason", "source", "decision")


def _enterprise_cols():
    return [
        Column("uscc", String(18), nullable=False),
        Column("name", String(200), nullable=False),
        Column("industry", String(20), nullable=False),
        Column("department", String(40), nullable=False),
        Column("key_enterprise", Boolean, nullable=False),
        Column("risk_class", String(1)),
        Column("status", String(10), nullable=False),
        Column("address", String(300)),
        Column("legal_rep", String(60)),
        Column("listed", Boolean, nullable=False),  # in the latest directory (在册)
    ]


def _inspector_cols():
    return [
        Column("inspector_id", String(20), nullable=False),
        Column("name", String(60), nullable=False),
        Column("cert_no", String(40), nullable=False),
        Column("cert_expiry", Date, nullable=False),
        Column("department", String(40), nullable=False),
        Column("industries", String(200)),
        Column("active", Boolean, nullable=False),
        Column("email", String(200)),
        Column("phone", String(40)),
        Column("listed", Boolean, nullable=False),
    ]


def _conflict_cols():
    return [
        Column("inspector_id", String(20), nullable=False),
        Column("uscc", String(18), nullable=False),
        Column("reason", String(200), nullable=False),
        Column("source", String(20)),
        Column("decision", String(20)),
        Column("listed", Boolean, nullable=False),
    ]


def _current(name, cols, key):
    for c in cols:
        if c.name in key:
            c.primary_key = True
    return Table(name, metadata, *cols, Column("updated_at", DateTime, nullable=False))


def _history(name, cols):
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        *cols,
        Column("valid_from", DateTime, nullable=False),
        Column("valid_to", DateTime),
        Column("sync_run", String(250)),
    )


enterprise = _current("enterprise", _enterprise_cols(), ("uscc",))
enterprise_history = _history("enterprise_history", _enterprise_cols())
inspector = _current("inspector", _inspector_cols(), ("inspector_id",))
inspector_history = _history("inspector_history", _inspector_cols())
conflict = _current("conflict", _conflict_cols(), ("inspector_id", "uscc"))
conflict_history = _history("conflict_history", _conflict_cols())

checklist_item = Table(
    "checklist_item",
    metadata,
    Column("code", String(10), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("basis", Text, nullable=False),
    Column("liability", Text, nullable=False),
    Column("industries", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("entity", String(20), nullable=False),
    Column("source", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column_name", String(40), nullable=False),
    Column("value", Text),
    Column("rule", String(80), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # a finding is kept once per file (the file's hash), row, column and rule
    UniqueConstraint(
        "source_sha256",
        "entity",
        "row_number",
        "column_name",
        "rule",
        name="uq_quarantine_finding",
    ),
)

audit_event = Table(
    "audit_event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(40)),
    Column("entity_key", String(250)),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

annual_plan = Table(
    "annual_plan",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("department", String(40), primary_key=True),
    Column("planned_units", Integer, nullable=False),
    Column("rounds", Integer, nullable=False),
    Column("random_share", Float, nullable=False),
    Column("key_share", Float, nullable=False),
    Column("frequency", Text, nullable=False),
    Column("team_size", Integer, nullable=False),
    Column("source", Text, nullable=False),  # where the plan came from: a file, or a form
    Column("updated_at", DateTime, nullable=False),
    # The kind of public random source (draw/sources.py) the plan's rounds name.
    Column("public_source", Text, nullable=False, server_default="fc3d"),
)

draw = Table(
    "draw",
    metadata,
    Column("draw_id", String(80), primary_key=True),
    Column("origin", String(300), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("round", Integer),
    Column("kind", String(20), nullable=False),
    Column("department", String(40), nullable=False),
    Column("params", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("pool_sha256", String(64), nullable=False),
    Column("pool_size", Integer, nullable=False),
    Column("roster_sha256", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("secret", String(64), nullable=False),
    Column("public_value", Text, nullable=False),
    Column("seed", String(64)),
    Column("code_version", String(100), nullable=False),
    Column("folder", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("drawn_at", DateTime),
    Column("decided_at", DateTime),
    Column("decided_by", String(100)),
    Column("decision_reason", Text),
    Column("redraw_of", String(80), ForeignKey("draw.draw_id")),
    Column("redraw_reason", Text),
    Column("refusal", Text),
    Column("public_source", Text),  # JSON: the future public random source named at commit
    Column("value_entered_at", DateTime),
    Column("value_entered_by", String(100)),
    Column("value_confirmed_by", String(100)),
    Column("abandoned_reason", Text),
)

draw_selection = Table(
    "draw_selection",
    metadata,
    Column("draw_id", String(80), ForeignKey("draw.draw_id"), primary_key=True),
    Column("uscc", String(18), primary_key=True),
    Column("stratum", String(1), nullable=False),
    Column("rank", String(64), nullable=False),
    Column("position", Integer, nullable=False),
)

team_assignment = Table(
    "team_assignment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draw_id", String(80), ForeignKey("draw.draw_id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("inspector_id", String(20), nullable=False),
    Column("role", String(10), nullable=False),
    Column("rank", String(64), nullable=False),
    Column("checklist_version", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("replaces", Integer, ForeignKey("team_assignment.id")),
    Column("created_at", DateTime, nullable=False),
)

recusal = Table(
    "recusal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(300), nullable=False, unique=True),
    Column("draw_id", String(80), ForeignKey("draw.draw_id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("inspector_id", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("decision", String(10)),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime),
    Column("decision_reason", Text),
    Column("replacement", String(20)),
)

document = Table(
    "document",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draw_id", String(80), ForeignKey("draw.draw_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("subject_key", String(40), nullable=False),
    Column("format", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc_number", String(60)),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint(
        "draw_id", "kind", "subject_key", "format", "version", name="uq_document_version"
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_key", String(200), nullable=False, unique=True),
    Column("draw_id", String(80), ForeignKey("draw.draw_id")),
    Column("kind", String(30), nullable=False),
    Column("recipient", String(200)),
    Column("recipient_name", String(100)),
    Column("subject", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("attachments", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("smtp_message_id", String(200)),
)


def _result_cols():
    return [
        Column("draw_id", String(80), nullable=False),
        Column("uscc", String(18), nullable=False),
        Column("item_code", String(10), nullable=False),
        Column("started_on", Date, nullable=False),
        Column("ended_on", Date, nullable=False),
        Column("finding", Text),
        Column("outcome", String(20), nullable=False),
        Column("serious", Boolean, nullable=False),
        Column("rectification", String(10)),
        Column("rectified_on", Date),
        Column("penalty_ref", String(80)),
        Column("decided_on", Date),
        Column("listed", Boolean, nullable=False),
    ]


result_attrs = (
    "started_on",
    "ended_on",
    "finding",
    "outcome",
    "serious",
    "rectification",
    "rectified_on",
    "penalty_ref",
    "decided_on",
)
inspection_result = _current("inspection_result", _result_cols(), ("draw_id", "uscc", "item_code"))
inspection_result_history = _history("inspection_result_history", _result_cols())

publication = Table(
    "publication",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draw_id", String(80), ForeignKey("draw.draw_id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("problems", Boolean, nullable=False),
    Column("ended_on", Date, nullable=False),
    Column("handled_on", Date),
    Column("due_on", Date),
    Column("warned_on", Date),
    Column("overdue_alerted_on", Date),
    Column("version", Integer, nullable=False),
    Column("published_at", DateTime),
    Column("content_sha256", String(64)),
    Column("content", Text),
    Column("change_note", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("draw_id", "uscc", "version", name="uq_publication_version"),
)

CURRENT = {
    "enterprises": enterprise,
    "inspectors": inspector,
    "conflicts": conflict,
    "results": inspection_result,
}
HISTORY = {
    "enterprises": enterprise_history,
    "inspectors": inspector_history,
    "conflicts": conflict_history,
    "results": inspection_result_history,
}
ATTRS = {
    "enterprises": enterprise_attrs,
    "inspectors": inspector_attrs,
    "conflicts": conflict_attrs,
    "results": result_attrs,
}


def engine(url: str | None = None) -> Engine:
    """An engine on the business database (SHUANGSUI_DB_URL by default)."""
    url = url or config.db_url()
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return eng
    return create_engine(url, pool_pre_ping=True)


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` with the migrations under sql/."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(config.sql_dir() / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or config.db_url()).replace("%", "%%"))
    command.upgrade(cfg, revision)
