"""Web Push subscriptions: where a browser that allowed notifications can be reached."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class PushSubscription(Base):
    """One browser's push subscription for a web chat (a customer's, or a partner's view).

    ``endpoint`` is the push service's address for that browser (unique: a browser that
    subscribes again replaces its row); ``p256dh`` and ``auth`` are the browser's keys the
    message is encrypted to. ``page_open_until``: a page of the chat is open (in some
    server process) until then, and a push would only repeat what it shows.
    """

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_channel_chat_id", "channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    page_open_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
