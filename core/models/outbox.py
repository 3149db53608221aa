"""Broadcasts and their outbox: one row per recipient, drained by the sender at Telegram's pace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime

# The values of OutboxMessage.status.
PENDING, SENDING, SENT = "pending", "sending", "sent"
BLOCKED, FAILED, OPTED_OUT, CANCELLED = "blocked", "failed", "opted_out", "cancelled"


class Broadcast(Base):
    """A message to many people: what, to whom (a unit or the city), when, and how it went.

    ``idempotency_key`` is unique, so a job that fires twice (a restart, two processes)
    finds the broadcast it already made instead of sending everything again.
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))  # the opt-out topic it belongs to
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True, default=None)
    created_by: Mapped[str] = mapped_column(String(8))  # hq | partner | system
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    override_quiet: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    status_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    status_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status_message_id: Mapped[int | None] = mapped_column(Integer, default=None)
    status_locale: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class OutboxMessage(Base):
    """One recipient's copy of a broadcast, rendered and signed for their chat.

    The unique (broadcast, customer) pair is the dedupe record: however often a job or
    a sender runs, a recipient has one row, and a row marked ``sent`` is never sent again.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "customer_id"),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    photo_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    message_id: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
