"""report actions: a customer-value group's suggested action, sent once a week

Revision ID: 0007_report_actions
Revises: 0006_winback
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_report_actions"
down_revision: str | Sequence[str] | None = "0006_winback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_report_actions_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_report_actions_promotion_id_promotions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_report_actions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_actions")),
        sa.UniqueConstraint(
            "partner_id",
            "standing",
            "week_start",
            name=op.f("uq_report_actions_partner_id_standing_week_start"),
        ),
    )
    with op.batch_alter_table("report_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_actions_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("report_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_actions_unit_id"))
    op.drop_table("report_actions")
