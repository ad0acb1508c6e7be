"""Create the business database (业务库) and its own role on the compose stack's
PostgreSQL, when missing. Run by the airflow-init service before `shuangsui migrate`;
running it again changes nothing but the role's password, which follows .env.

The role, its password and the database are those of SHUANGSUI_DB_URL; the statements
run as the metadata database's user (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN), the superuser
of the postgres service. A business database elsewhere (another server, SQLite) is the
operator's to create: then this says so and does nothing."""

from __future__ import annotations

import os
import sys


def ensure(business_url: str, admin_url: str) -> list[str]:
    """Create role and database of `business_url` through `admin_url`; returns what it did."""
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    target, admin = make_url(business_url), make_url(admin_url)
    if target.get_backend_name() != "postgresql":
        return [f"business database is {target.get_backend_name()}: nothing to create"]
    if (target.host, target.port or 5432) != (admin.host, admin.port or 5432):
        return [f"business database on {target.host}: create it there (docs/operations.md)"]
    role, database = target.username, target.database
    done = []
    conn = psycopg2.connect(
        host=admin.host,
        port=admin.port or 5432,
        user=admin.username,
        password=admin.password,
        dbname=admin.database,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            if role != admin.username:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(target.password or "")
                    )
                )
                done.append(f"role {role}: {verb.lower()}d")
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if not cur.fetchone():
                cur.execute(
                    sql.SQL(
                        "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0"
                    ).format(sql.Identifier(database), sql.Identifier(role))
                )
                done.append(f"database {database}: created, owned by {role}")
            # The business role has no business in Airflow's metadata database.
            if role != admin.username and admin.database != database:
                cur.execute(
                    sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(
                        sql.Identifier(admin.database)
                    )
                )
    finally:
        conn.close()
    return done or [f"database {database}: already there"]


def main() -> int:
    try:
        business = os.environ["SHUANGSUI_DB_URL"]
        admin = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    except KeyError as e:
        print(f"ensure_business_db: {e.args[0]} is not set", file=sys.stderr)
        return 2
    for line in ensure(business, admin):
        print(f"ensure_business_db: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
