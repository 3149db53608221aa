"""partner devices: browsers signed in as a partner, seen and revoked by HQ

Revision ID: 0016_partner_devices
Revises: 0015_identity_last_seen
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_partner_devices"
down_revision: str | Sequence[str] | None = "0015_identity_last_seen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "partner_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_devices_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_devices")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_partner_devices_key_hash")),
    )
    op.create_index(
        op.f("ix_partner_devices_partner_id"), "partner_devices", ["partner_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_partner_devices_partner_id"), table_name="partner_devices")
    op.drop_table("partner_devices")
