"""The audit trail cannot be emptied either: PostgreSQL refuses TRUNCATE on audit_event (a
statement trigger; UPDATE and DELETE are refused since 0001), and no role but its owner
keeps a privilege to change or remove its rows (docs/operations.md, database roles).
SQLite has no TRUNCATE; its UPDATE and DELETE triggers are those of 0001.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# What a role other than the owner may never hold: on audit_event it keeps SELECT and
# INSERT; the schema's version is the migrations' alone.
TAKEN = {
    "audit_event": "UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER",
    "alembic_version": "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER",
}


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
    )
    # The application's role got full rights on every table from the owner's default
    # privileges (sql/initdb/shuangsui_roles.sql): take back what it must not have.
    for table, privileges in TAKEN.items():
        grantees = conn.exec_driver_sql(
            "SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
            "ELSE quote_ident(pg_get_userbyid(a.grantee)) END "
            "FROM pg_class c, aclexplode(c.relacl) a "
            f"WHERE c.oid = '{table}'::regclass AND a.grantee <> c.relowner"
        ).scalars()
        for grantee in dict.fromkeys(["PUBLIC", *grantees]):
            op.execute(f"REVOKE {privileges} ON {table} FROM {grantee}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
