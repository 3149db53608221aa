"""report indexes: a unit's delivered history and crate ledger read from covering indexes

Revision ID: 0009_report_indexes
Revises: 0008_outbox
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_report_indexes"
down_revision: str | Sequence[str] | None = "0008_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_orders_unit_id_status_delivery_date",
        "orders",
        ["unit_id", "status", "delivery_date", "customer_id", "total_fen"],
        unique=False,
    )
    op.create_index(
        "ix_crate_movements_unit_id_customer_id_created_at",
        "crate_movements",
        ["unit_id", "customer_id", "created_at", "kind", "quantity"],
        unique=False,
    )
    op.drop_index("ix_crate_movements_unit_id", table_name="crate_movements")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_crate_movements_unit_id", "crate_movements", ["unit_id"], unique=False)
    op.drop_index("ix_crate_movements_unit_id_customer_id_created_at", table_name="crate_movements")
    op.drop_index("ix_orders_unit_id_status_delivery_date", table_name="orders")
