"""doorstep: when the partner found nobody at the door

Revision ID: 0005_doorstep
Revises: 0004_partner_letter
Create Date: 2026-12-06 13:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_doorstep"
down_revision: str | Sequence[str] | None = "0004_partner_letter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("absent_at")
