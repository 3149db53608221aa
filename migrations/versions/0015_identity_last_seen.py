"""channel identities: when each was last used (a broadcast goes to the one used last)

Revision ID: 0015_identity_last_seen
Revises: 0014_households
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_identity_last_seen"
down_revision: str | Sequence[str] | None = "0014_households"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_column("last_seen_at")
