"""partner letter to customers

Revision ID: 0004_partner_letter
Revises: 0003_commission_ledger
Create Date: 2026-12-06 13:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_partner_letter"
down_revision: str | Sequence[str] | None = "0003_commission_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("letter_zh", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("letter_zh")
