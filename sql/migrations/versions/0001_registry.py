"""Registry: enterprises, inspectors and conflicts with history; checklist; quarantine;
append-only audit events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enterprise():
    return [
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("industry", sa.String(20), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("key_enterprise", sa.Boolean, nullable=False),
        sa.Column("risk_class", sa.String(1)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("legal_rep", sa.String(60)),
        sa.Column("listed", sa.Boolean, nullable=False),
    ]


def _inspector():
    return [
        sa.Column("inspector_id", sa.String(20), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("cert_no", sa.String(40), nullable=False),
        sa.Column("cert_expiry", sa.Date, nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("industries", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("listed", sa.Boolean, nullable=False),
    ]


def _conflict():
    return [
        sa.Column("inspector_id", sa.String(20), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20)),
        sa.Column("decision", sa.String(20)),
        sa.Column("listed", sa.Boolean, nullable=False),
    ]


def _entity(name, columns, key):
    op.create_table(
        name,
        *columns(),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"),
    )
    op.create_table(
        f"{name}_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *columns(),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("valid_to", sa.DateTime),
        sa.Column("sync_run", sa.String(250)),
    )
    op.create_index(f"ix_{name}_history_key", f"{name}_history", [*key, "valid_from"])
    # The open version of each key: what "the directory now" means in history.
    op.create_index(f"ix_{name}_history_open", f"{name}_history", ["valid_to"])


def upgrade():
    _entity("enterprise", _enterprise, ["uscc"])
    _entity("inspector", _inspector, ["inspector_id"])
    _entity("conflict", _conflict, ["inspector_id", "uscc"])
    op.create_index("ix_enterprise_pool", "enterprise", ["department", "industry", "status"])

    op.create_table(
        "checklist_item",
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("liability", sa.Text, nullable=False),
        sa.Column("industries", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date),
        sa.PrimaryKeyConstraint("code", "version", name="pk_checklist_item"),
    )

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("column_name", sa.String(40), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        # The same bad cell of the same file is quarantined once, however often it is read.
        sa.UniqueConstraint(
            "source_sha256",
            "entity",
            "row_number",
            "column_name",
            "rule",
            name="uq_quarantine_finding",
        ),
    )

    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(40)),
        sa.Column("entity_key", sa.String(250)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    # Append-only: the database itself refuses to edit or remove an audit event.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    for t in (
        "audit_event",
        "quarantine",
        "checklist_item",
        "conflict_history",
        "conflict",
        "inspector_history",
        "inspector",
        "enterprise_history",
        "enterprise",
    ):
        op.drop_table(t)
