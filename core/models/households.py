"""Households: a unit's building and room, the unit of identity and of "new customer" money."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class Household(Base):
    """One door (building + normalised room); every identity living there points at it.

    A household is new once, ever: first-order promotions, once-per-customer limits and the
    partner's new-customer fee are keyed on it (core/people/households.py).
    """

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("building_id", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The identity whose address created it (a plain id: customers already point here, and a
    # foreign key both ways would be a cycle), and the network address it came from (web).
    created_by_customer_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    created_from: Mapped[str | None] = mapped_column(String(64), default=None)
    # The partner saw the household at the door ("✅ household confirmed").
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    confirmed_by_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id"), default=None
    )
