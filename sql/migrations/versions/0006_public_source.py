"""Two-phase draws: the future public random source named at commit, the value entered
(and by whom, confirmed by whom) before the draw, and abandoned commitments.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draw") as b:
        b.add_column(sa.Column("public_source", sa.Text))
        b.add_column(sa.Column("value_entered_at", sa.DateTime))
        b.add_column(sa.Column("value_entered_by", sa.String(100)))
        b.add_column(sa.Column("value_confirmed_by", sa.String(100)))
        b.add_column(sa.Column("abandoned_reason", sa.Text))


def downgrade():
    with op.batch_alter_table("draw") as b:
        for c in (
            "abandoned_reason",
            "value_confirmed_by",
            "value_entered_by",
            "value_entered_at",
            "public_source",
        ):
            b.drop_column(c)
