"""Seed the checklist (随机抽查事项清单) with the 14 items of 第六条, version 1.

Revision ID: 0002
Revises: 0001
"""

import csv
import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEED = Path(__file__).resolve().parents[2] / "seed" / "checklist_v1.csv"


def upgrade():
    items = sa.table(
        "checklist_item",
        *(
            sa.column(c)
            for c in (
                "code",
                "version",
                "name",
                "subject",
                "basis",
                "liability",
                "industries",
                "effective_from",
            )
        ),
    )
    with SEED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["version"] = int(r["version"])
        r["effective_from"] = dt.date.fromisoformat(r["effective_from"])
    op.bulk_insert(items, rows)


def downgrade():
    op.execute("DELETE FROM checklist_item WHERE version = 1")
