"""One-tap actions a partner sent from the customer-value report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class ReportAction(Base):
    """A group's suggested action, sent once per partner and report week.

    The unique key is what makes a double tap, a retried update or two processes send
    the coupon (or the visit notes) once.
    """

    __tablename__ = "report_actions"
    __table_args__ = (UniqueConstraint("partner_id", "standing", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    standing: Mapped[str] = mapped_column(String(16))
    week_start: Mapped[dt.date] = mapped_column(Date)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotions.id"), default=None)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
