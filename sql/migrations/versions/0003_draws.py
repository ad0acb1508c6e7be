"""Annual plans, draws, selections, team assignments and recusals.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # The pool of a draw: the directory of one 科室 at a moment, from history.
    op.create_index(
        "ix_enterprise_history_pool", "enterprise_history", ["department", "status", "valid_to"]
    )
    op.create_table(
        "annual_plan",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("planned_units", sa.Integer, nullable=False),
        sa.Column("rounds", sa.Integer, nullable=False),
        sa.Column("random_share", sa.Float, nullable=False),
        sa.Column("key_share", sa.Float, nullable=False),
        sa.Column("frequency", sa.Text, nullable=False),  # JSON: risk class -> draws a year
        sa.Column("team_size", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("year", "department", name="pk_annual_plan"),
    )
    op.create_table(
        "draw",
        sa.Column("draw_id", sa.String(80), primary_key=True),
        sa.Column("origin", sa.String(300), nullable=False, unique=True),  # dag run + 科室
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("round", sa.Integer),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pool_sha256", sa.String(64), nullable=False),
        sa.Column("pool_size", sa.Integer, nullable=False),
        sa.Column("roster_sha256", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("public_value", sa.Text, nullable=False),
        sa.Column("seed", sa.String(64)),
        sa.Column("code_version", sa.String(100), nullable=False),
        sa.Column("folder", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("drawn_at", sa.DateTime),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decision_reason", sa.Text),
        sa.Column("redraw_of", sa.String(80), sa.ForeignKey("draw.draw_id")),
        sa.Column("redraw_reason", sa.Text),
        sa.Column("refusal", sa.Text),
    )
    op.create_index("ix_draw_year_department", "draw", ["year", "department"])
    op.create_table(
        "draw_selection",
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id"), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("stratum", sa.String(1), nullable=False),
        sa.Column("rank", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("draw_id", "uscc", name="pk_draw_selection"),
    )
    op.create_index("ix_draw_selection_uscc", "draw_selection", ["uscc"])
    op.create_table(
        "team_assignment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id"), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("inspector_id", sa.String(20), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),  # lead (组长) | member
        sa.Column("rank", sa.String(64), nullable=False),
        sa.Column("checklist_version", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("team_assignment.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_team_assignment_draw_unit", "team_assignment", ["draw_id", "uscc"])
    op.create_index("ix_team_assignment_unit", "team_assignment", ["uscc"])
    op.create_table(
        "recusal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.String(300), nullable=False, unique=True),
        sa.Column("draw_id", sa.String(80), sa.ForeignKey("draw.draw_id"), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("inspector_id", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("decision", sa.String(10)),  # approved | rejected
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_reason", sa.Text),
        sa.Column("replacement", sa.String(20)),
    )


def downgrade():
    for t in ("recusal", "team_assignment", "draw_selection", "draw", "annual_plan"):
        op.drop_table(t)
    op.drop_index("ix_enterprise_history_pool", "enterprise_history")
