"""Reusable crates: an append-only movement ledger and customer-booked pickups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class CrateMovement(Base):
    """Crates issued (+) with a delivery or collected (−); the balance is their sum."""

    __tablename__ = "crate_movements"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        # a unit's balances per customer (the value report, unit_balance) from the index
        # alone; it replaces the plain unit_id index
        Index(
            "ix_crate_movements_unit_id_customer_id_created_at",
            "unit_id",
            "customer_id",
            "created_at",
            "kind",
            "quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None)
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CratePickup(Base):
    """An evening the customer (or the partner, for overdue crates) booked for a pickup."""

    __tablename__ = "crate_pickups"
    __table_args__ = (
        Index(
            "uq_crate_pickups_one_scheduled_per_day",
            "customer_id",
            "pickup_date",
            unique=True,
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    pickup_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    requested_by: Mapped[str] = mapped_column(String(12), default="customer")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
