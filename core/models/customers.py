"""Customers, the channel identities that map to them, and their message opt-outs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class Customer(Base):
    """A household member who orders; one row however many channels they use."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True, default=None)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), default=None)
    room: Mapped[str | None] = mapped_column(String(20), default=None)
    # Set with the address (core/people/households.py): identities of one door share it.
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id"), index=True, default=None
    )
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    display_name: Mapped[str | None] = mapped_column(String(80), default=None)
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    guided: Mapped[bool] = mapped_column(Boolean, default=False)
    has_elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    has_children: Mapped[bool] = mapped_column(Boolean, default=False)
    has_pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    referred_by_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id"), default=None
    )
    invite_code: Mapped[str | None] = mapped_column(String(24), default=None)
    bound_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_order_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set when Telegram answered 403 (they blocked the bot): later broadcasts skip them.
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class ChannelIdentity(Base):
    """(channel, external id) → customer: Telegram user ids now, web chat ids later."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When a message last came in through this identity (kept to the minute, cheaply):
    # broadcasts and order news go to the identity the customer used last.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class MessageOptOut(Base):
    """A customer said no to one category of messages (deals, notices, reminders, ...)."""

    __tablename__ = "message_opt_outs"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(24), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CartLine(Base):
    """The customer's cart lives in the database, so a restart or second process loses nothing."""

    __tablename__ = "cart_lines"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CartPromo(Base):
    """The promo code a customer typed into the cart, checked again at checkout."""

    __tablename__ = "cart_promos"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    promo_code: Mapped[str] = mapped_column(String(32))
