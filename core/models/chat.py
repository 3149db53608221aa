"""Conversation plumbing kept in the database: chat state, seen updates, relay links, secrets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class ChatState(Base):
    """Where a chat is in its conversation; ``version`` guards against two updates at once."""

    __tablename__ = "chat_states"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(40), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """An incoming update already handled: a redelivered one is ignored."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class RelayLink(Base):
    """A message relayed to a partner, so the partner's reply finds its way back."""

    __tablename__ = "relay_links"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    partner_chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AppSecret(Base):
    """Secrets generated on first use and shared by every process (e.g. the button signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class AssistToken(Base):
    """A partner's one-time link to start a guided first order with a customer at the door."""

    __tablename__ = "assist_tokens"

    token: Mapped[str] = mapped_column(String(24), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None)
