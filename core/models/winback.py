"""Win-back questions: "why did you stop ordering?", asked with a partner's pickup visit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

REASONS = ("prices", "quality", "delivery_time", "moved_away", "no_longer_need", "other")


class WinbackQuestion(Base):
    """One question per (customer, visit evening), answered once.

    ``asked_at`` is when it reached the customer (None: they opted out of these messages,
    or could not be reached); ``reason`` and ``answered_at`` are written once, the first
    answer wins; ``comment`` is the one line an "other" answer may add.
    """

    __tablename__ = "winback_questions"
    __table_args__ = (
        UniqueConstraint("customer_id", "visit_date"),
        CheckConstraint(
            "reason IS NULL OR reason IN (" + ", ".join(f"'{reason}'" for reason in REASONS) + ")",
            name="reason_known",
        ),
        Index("ix_winback_questions_unit_id_created_at", "unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    pickup_id: Mapped[int | None] = mapped_column(ForeignKey("crate_pickups.id"), default=None)
    visit_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    asked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reason: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
