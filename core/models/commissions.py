"""The partner commission ledger: append-only entries, balances are always sums of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

NEW_CUSTOMER = "new_customer"
DELIVERY = "delivery"
CLAWBACK_NEW_CUSTOMER = "clawback_new_customer"
CLAWBACK_DELIVERY = "clawback_delivery"
KINDS = (NEW_CUSTOMER, DELIVERY, CLAWBACK_NEW_CUSTOMER, CLAWBACK_DELIVERY)


class CommissionEntry(Base):
    """One thing a partner earned or gave back; never updated, never deleted.

    ``event_key`` is unique so a retried or concurrent event can only be written once.
    """

    __tablename__ = "commission_entries"
    __table_args__ = (Index("ix_commission_entries_partner_id_month", "partner_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(24))
    amount_fen: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None)
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
