"""Inspection results (per unit and checklist item) with history; publications with
deadlines and versions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _result():
    return [
        sa.Column("draw_id", sa.String(80), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("item_code", sa.String(10), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=False),
        sa.Column("finding", sa.Text),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("serious", sa.Boolean, nullable=False),
        sa.Column("rectification", sa.String(10)),
        sa.Column("rectified_on", sa.Date),
        sa.Column("penalty_ref", sa.String(80)),
        sa.Column("decided_on", sa.Date),
        sa.Column("listed", sa.Boolean, nullable=False),
    ]


def upgrade():
    op.create_table(
        "inspection_result",
        *_result(),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("draw_id", "uscc", "item_code", name="pk_inspection_result"),
    )
    op.create_table(
        "inspection_result_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_result(),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("valid_to", sa.DateTime),
        sa.Column("sync_run", sa.String(250)),
    )
    op.create_index(
        "ix_inspection_result_history_key",
        "inspection_result_history",
        ["draw_id", "uscc", "item_code", "valid_from"],
    )
    op.create_index("ix_inspection_result_history_open", "inspection_result_history", ["valid_to"])
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id"), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("problems", sa.Boolean, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=False),  # end of the inspection
        sa.Column("handled_on", sa.Date),  # 整改完成 or 处罚决定 (problems only)
        sa.Column("due_on", sa.Date),  # the deadline to publish by
        sa.Column("warned_on", sa.Date),
        sa.Column("overdue_alerted_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("published_at", sa.DateTime),
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("content", sa.Text),  # the published facts (JSON)
        sa.Column("change_note", sa.Text),  # what changed and why (corrections)
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("draw_id", "uscc", "version", name="uq_publication_version"),
    )
    op.create_index("ix_publication_due", "publication", ["published_at", "due_on"])


def downgrade():
    op.drop_table("publication")
    op.drop_table("inspection_result_history")
    op.drop_table("inspection_result")
