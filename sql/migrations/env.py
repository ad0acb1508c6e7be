"""Alembic environment for the business database (run through `shuangsui migrate`)."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

url = context.config.get_main_option("sqlalchemy.url")
# NullPool: nothing stays connected after a migration (a template database must be idle).
connectable = context.config.attributes.get("connection") or create_engine(url, poolclass=NullPool)

if hasattr(connectable, "connect"):
    with connectable.connect() as connection:
        context.configure(connection=connection, render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
else:
    context.configure(connection=connectable)
    with context.begin_transaction():
        context.run_migrations()
