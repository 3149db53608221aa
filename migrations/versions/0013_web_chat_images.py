"""web chat: photos uploaded by pages (re-encoded JPEG bytes, readable by sender and recipient)

Revision ID: 0013_web_chat_images
Revises: 0012_web_chat
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_web_chat_images"
down_revision: str | Sequence[str] | None = "0012_web_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_chat_images",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_channel", sa.String(length=16), nullable=True),
        sa.Column("recipient_chat_id", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_chat_images")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("web_chat_images")
