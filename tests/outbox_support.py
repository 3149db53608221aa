"""Helpers for the outbox tests: many Telegram households at once, and a sender on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import insert, select

from core.messaging.outbox.enqueue import Recipient, RenderedMessage, create_broadcast
from core.messaging.outbox.sender import Sender
from core.models import ChannelIdentity, Customer
from core.platform.uow import Database
from tests.telegram.limited_bot_api import TOKEN, LimitedBotApi

FIRST_CHAT = 500_000_000


async def households(
    db: Database, count: int, *, unit_id: int | None = None, locale: str = "en", start: int = 0
) -> list[Recipient]:
    """``count`` Telegram customers (chat ids from FIRST_CHAT + start), as recipients."""
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    chats = [FIRST_CHAT + start + i for i in range(count)]
    async with db.uow() as uow:
        await uow.session.execute(
            insert(Customer.__table__),
            [
                {"unit_id": unit_id, "locale": locale, "created_at": now, "room": str(chat)}
                for chat in chats
            ],
        )
        rows = await uow.session.execute(
            select(Customer.id, Customer.room).where(Customer.room.in_([str(c) for c in chats]))
        )
        ids = {int(room): cid for cid, room in rows.all()}
        await uow.session.execute(
            insert(ChannelIdentity.__table__),
            [
                {
                    "channel": "telegram",
                    "external_id": str(chat),
                    "customer_id": ids[chat],
                    "created_at": now,
                }
                for chat in chats
            ],
        )
        await uow.commit()
    return [Recipient(customer_id=ids[c], chat_id=str(c), locale=locale) for c in chats]


def notice(recipient: Recipient) -> RenderedMessage:
    """A plain notice naming its recipient, so copies can be told apart."""
    return RenderedMessage(f"Water is off tomorrow 9:00–12:00 (#{recipient.customer_id})")


async def broadcast_to(
    db: Database, recipients: list[Recipient], key: str = "water-1", **options: Any
) -> int:
    """A committed outage notice to ``recipients``, due now; its id."""
    async with db.uow() as uow:
        made = await create_broadcast(
            uow,
            kind=options.pop("kind", "outage"),
            recipients=recipients,
            render=options.pop("render", notice),
            send_at=options.pop("send_at", db.clock.now()),
            idempotency_key=key,
            **options,
        )
        await uow.commit()
    return made.id


@asynccontextmanager
async def telegram_sender(
    db: Database, api: LimitedBotApi, **options: Any
) -> AsyncIterator[Sender]:
    """A Sender on the real python-telegram-bot Bot, talking HTTP to ``api`` on loopback."""
    from bot.handlers.telegram_outbox import TelegramTransport

    options.setdefault("concurrency", 8)
    transport = TelegramTransport.for_token(
        TOKEN, base_url=api.url, connections=options["concurrency"]
    )
    async with transport.bot:
        yield Sender(db, transport, **options)


class ScriptedTransport:
    """An in-process messenger: answers ok unless a chat has scripted answers left."""

    def __init__(self, script: dict[str, list[Any]] | None = None) -> None:
        from core.messaging.outbox.transport import SendResult

        self._ok = SendResult
        self.script = {chat: list(answers) for chat, answers in (script or {}).items()}
        self.sent: list[tuple[str, str, list[Any]]] = []  # (chat, text, buttons) delivered
        self.calls: list[str] = []  # every chat called, delivered or not
        self.edits: list[tuple[str, int, str]] = []
        self._ids = iter(range(1, 10**9))

    def copies(self, chat_id: str) -> int:
        """Messages delivered to ``chat_id``."""
        return sum(1 for chat, _text, _buttons in self.sent if chat == chat_id)

    async def send(self, chat_id: str, text: str, buttons: Any, photo_ref: str | None) -> Any:
        """The next scripted answer for this chat, else delivered."""
        self.calls.append(chat_id)
        answers = self.script.get(chat_id)
        if answers:
            return answers.pop(0)
        self.sent.append((chat_id, text, buttons))
        return self._ok("ok", message_id=next(self._ids))

    async def edit(self, chat_id: str, message_id: int, text: str) -> Any:
        """Edits always work."""
        self.edits.append((chat_id, message_id, text))
        return self._ok("ok", message_id=message_id)
