"""Orders with a price snapshot per line, the lifecycle timestamps and payment on delivery."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, UTCDateTime


class Order(Base):
    """What a customer confirmed: amounts frozen at checkout, status moved by the lifecycle."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key"),
        Index("ix_orders_unit_id_delivery_date", "unit_id", "delivery_date"),
        # the customer-value report reads a unit's delivered history from this index alone
        # (customer and amount ride along): SQLite 2× faster than through the table
        Index(
            "ix_orders_unit_id_status_delivery_date",
            "unit_id",
            "status",
            "delivery_date",
            "customer_id",
            "total_fen",
        ),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), default=None)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), default=None)
    room: Mapped[str | None] = mapped_column(String(20), default=None)
    # The household the order went to, frozen at checkout (an identity may move later).
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id"), index=True, default=None
    )
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="placed")
    delivery_date: Mapped[dt.date] = mapped_column(Date)
    window_start: Mapped[dt.time] = mapped_column(Time)
    window_end: Mapped[dt.time] = mapped_column(Time)
    goods_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    shipping_fen: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)
    reference_fen: Mapped[int] = mapped_column(Integer)
    saving_fen: Mapped[int] = mapped_column(Integer)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotions.id"), default=None)
    crates_issued: Mapped[int] = mapped_column(Integer, default=0)
    payment_method: Mapped[str | None] = mapped_column(String(12), default=None)
    paid_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    picked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    out_for_delivery_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    absent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_by: Mapped[str | None] = mapped_column(String(12), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), default=None)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", lazy="raise"
    )


class OrderLine(Base):
    """A line as priced at checkout, so later price changes never rewrite history."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    unit_zh: Mapped[str] = mapped_column(String(40))
    unit_en: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    list_price_fen: Mapped[int] = mapped_column(Integer)
    reference_price_fen: Mapped[int] = mapped_column(Integer)
    line_fen: Mapped[int] = mapped_column(Integer)
    price_source: Mapped[str] = mapped_column(String(12), default="list")
    is_gift: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_rule_id: Mapped[int | None] = mapped_column(ForeignKey("gift_rules.id"), default=None)
    heavy: Mapped[bool] = mapped_column(Boolean, default=False)
    care_note_zh: Mapped[str | None] = mapped_column(Text, default=None)
    care_note_en: Mapped[str | None] = mapped_column(Text, default=None)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")
