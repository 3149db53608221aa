"""The partner commission ledger: append-only entries, balances are always sums of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

NEW_CUSTOMER = "new_customer"  # paid at once (entries written before fees were held)
DELIVERY = "delivery"
CLAWBACK_NEW_CUSTOMER = "clawback_new_customer"
CLAWBACK_DELIVERY = "clawback_delivery"
# A household's new-customer fee: held first, then released, rejected by HQ or clawed back.
NEW_CUSTOMER_HELD = "new_customer_held"
NEW_CUSTOMER_RELEASED = "new_customer_released"
NEW_CUSTOMER_REJECTED = "new_customer_rejected"
KINDS = (
    NEW_CUSTOMER,
    DELIVERY,
    CLAWBACK_NEW_CUSTOMER,
    CLAWBACK_DELIVERY,
    NEW_CUSTOMER_HELD,
    NEW_CUSTOMER_RELEASED,
    NEW_CUSTOMER_REJECTED,
)


class CommissionEntry(Base):
    """One thing a partner earned or gave back; never updated, never deleted.

    ``event_key`` is unique so a retried or concurrent event can only be written once.
    ``amount_fen`` is what is payable; ``held_fen`` is money earned but held (a
    new-customer fee during its hold): both balances are sums of their column.
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
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id"), index=True, default=None
    )
    held_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(String(200), default=None)  # HQ's, on a rejection
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
