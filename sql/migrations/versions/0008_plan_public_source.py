"""The annual plan names the public random source its scheduled draws use (e.g. the
first 福彩3D draw after commit); plans stored before keep 福彩3D.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("annual_plan") as b:
        b.add_column(sa.Column("public_source", sa.Text, nullable=False, server_default="fc3d"))


def downgrade():
    with op.batch_alter_table("annual_plan") as b:
        b.drop_column("public_source")
