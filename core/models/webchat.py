"""The web chat's durable transcript and its one-time sign-in/link tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class WebChatMessage(Base):
    """One bot→page message of a chat, numbered per chat so a reconnect replays what is missing.

    ``kind`` is ``say`` (a bubble), ``edit`` (rewrites bubble ``body["ref"]``), ``toast`` or
    ``document``. A row of a Telegram chat (``channel == "telegram"``) is a message addressed
    shown in that partner's web view; one with ``to_telegram`` set is a message addressed to
    them (a ping, a relayed question) that waits, ``telegram_sent_at`` empty, until the
    Telegram side has delivered it there too.
    """

    __tablename__ = "web_chat_messages"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(12))
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    to_telegram: Mapped[bool] = mapped_column(Boolean, default=False)
    telegram_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class WebToken(Base):
    """A one-time, expiring token: a partner's web sign-in or a customer's Telegram link code."""

    __tablename__ = "web_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # partner | enrol | link
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), default=None)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class WebChatImage(Base):
    """A photo a page uploaded, re-encoded as JPEG; kept in the database so every process serves it.

    ``id`` is random (the page's URL names it); only its sender and the one chat it was
    forwarded to (``recipient_*``, set when it is delivered) may read it.
    """

    __tablename__ = "web_chat_images"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    recipient_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    recipient_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PartnerDevice(Base):
    """A browser signed in as a partner (by a one-time sign-in or enrolment link).

    The browser's cookie holds a random key; only its SHA-256 is kept here. HQ sees a
    partner's devices on the unit page and may revoke one: that browser's next request is
    a customer's again.
    """

    __tablename__ = "partner_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
