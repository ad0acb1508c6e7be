"""Documents (notices, task sheets, summaries) with checksums and versions; the outbox.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),  # notice | task_sheet | summary
        sa.Column("subject_key", sa.String(40), nullable=False),  # uscc | inspector_id | draw
        sa.Column("format", sa.String(8), nullable=False),  # docx | html
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("doc_number", sa.String(60)),  # 发文字号
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint(
            "draw_id", "kind", "subject_key", "format", "version", name="uq_document_version"
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_key", sa.String(200), nullable=False, unique=True),
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id")),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("recipient", sa.String(200)),
        sa.Column("recipient_name", sa.String(100)),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("attachments", sa.Text, nullable=False),  # JSON list of document ids
        sa.Column("status", sa.String(12), nullable=False),  # pending|sent|bad_address|failed
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("smtp_message_id", sa.String(200)),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])


def downgrade():
    op.drop_table("outbox")
    op.drop_table("document")
