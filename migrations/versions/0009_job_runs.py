"""job runs: each scheduled fire claimed once; joins the outbox and report-actions branches

Revision ID: 0009_job_runs
Revises: 0007_report_actions, 0008_outbox
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_job_runs"
# Both heads: 0008_outbox was branched from 0005 while 0006/0007 landed on main. Once
# 0008_outbox revises 0007_report_actions, this becomes just "0008_outbox".
down_revision: str | Sequence[str] | None = ("0007_report_actions", "0008_outbox")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=80), nullable=False),
        sa.Column("fire_key", sa.String(length=40), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job_name", "fire_key", name=op.f("uq_job_runs_job_name_fire_key")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("job_runs")
