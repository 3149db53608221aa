"""Catalog tables: categories, products, the daily deals zone and gift rules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, UTCDateTime


class Category(Base):
    """A supermarket aisle (grain & oil, drinks, ...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    """A sellable item; prices are integer fen, stock never negative."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("reference_price_fen > 0", name="reference_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    unit_zh: Mapped[str] = mapped_column(String(40))
    unit_en: Mapped[str] = mapped_column(String(40))
    price_fen: Mapped[int] = mapped_column(Integer)
    reference_price_fen: Mapped[int] = mapped_column(Integer)
    heavy: Mapped[bool] = mapped_column(Boolean, default=False)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    care_note_zh: Mapped[str | None] = mapped_column(Text, default=None)
    care_note_en: Mapped[str | None] = mapped_column(Text, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search_pinyin: Mapped[str] = mapped_column(String(400), default="")
    search_initials: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    category: Mapped[Category] = relationship(lazy="raise")


class DealEntry(Base):
    """One product at a "crazy price" on one day in the deals zone."""

    __tablename__ = "deal_entries"
    __table_args__ = (
        UniqueConstraint("deal_date", "product_id"),
        CheckConstraint("deal_price_fen > 0", name="deal_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_date: Mapped[dt.date] = mapped_column(Date, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    deal_price_fen: Mapped[int] = mapped_column(Integer)


class GiftRule(Base):
    """Buy at least ``min_quantity`` of the trigger and get a free gift while gift stock lasts."""

    __tablename__ = "gift_rules"
    __table_args__ = (
        CheckConstraint("gift_stock >= 0", name="gift_stock_not_negative"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("gift_quantity >= 1", name="gift_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger_product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    gift_product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    gift_quantity: Mapped[int] = mapped_column(Integer, default=1)
    gift_stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
