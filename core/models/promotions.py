"""Promo codes and coupons with every limit, and the redemptions that count against them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class Promotion(Base):
    """A typed code (``kind='code'``) or a coupon offered to eligible customers (``'coupon'``).

    ``benefit`` is one of fixed_price_item, amount_off, percent_off, free_shipping.
    ``redeemed_count`` is the atomic counter that enforces ``total_cap``.
    """

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint("redeemed_count >= 0", name="redeemed_not_negative"),
        CheckConstraint(
            "total_cap IS NULL OR redeemed_count <= total_cap", name="redeemed_within_cap"
        ),
        CheckConstraint("per_customer_limit >= 1", name="per_customer_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="code")
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    benefit: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), default=None)
    fixed_price_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    amount_off_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    percent_off: Mapped[int | None] = mapped_column(Integer, default=None)
    rounding: Mapped[str] = mapped_column(String(8), default="down")
    first_order_only: Mapped[bool] = mapped_column(Boolean, default=False)
    min_spend_fen: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    per_customer_limit: Mapped[int] = mapped_column(Integer, default=1)
    total_cap: Mapped[int | None] = mapped_column(Integer, default=None)
    redeemed_count: Mapped[int] = mapped_column(Integer, default=0)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    for_elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    for_children: Mapped[bool] = mapped_column(Boolean, default=False)
    for_pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Redemption(Base):
    """One use of a promotion on an order; ``revoked_at`` is set when the order is cancelled."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
