"""The web chat's transcript: bot→page messages numbered per chat, replayed after a reconnect.

Each message gets the chat's next sequence number when it is written; a page that comes
back says the last number it shows and receives everything after it, so nothing is lost
and (the page dropping numbers it already has) nothing is doubled. Two writers of one
chat (the customer's own update and a partner's answer) may pick the same number: the
primary key refuses the second, which then takes the next one.

Every append signals ``TOPIC`` in its own transaction (``UnitOfWork.notify``): the chat and
the numbers written, never the content. Every process's open pages of that chat (and
the push sender) learn of it from there, whoever wrote: a flow's reply, a partner's
answer, a broadcast's copy, another process.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.models import WebChatMessage
from core.platform.uow import Database, UnitOfWork

ATTEMPTS = 8
REPLAY_LIMIT = 500  # one reconnect replays at most this many (the page asks again for more)
TOPIC = "linli_webchat"  # the signal every append sends (core/platform/signals.py)


@dataclass(frozen=True)
class Appended:
    """What an append's signal says: whose chat, and the numbers written (first to last)."""

    channel: str
    chat_id: str
    first: int
    last: int

    @property
    def key(self) -> tuple[str, str]:
        """The transcript's key."""
        return self.channel, self.chat_id

    def payload(self) -> str:
        """The signal's payload."""
        return json.dumps([self.channel, self.chat_id, self.first, self.last])

    @classmethod
    def parse(cls, payload: str) -> Appended | None:
        """A signal's payload read back (None for anything else)."""
        try:
            channel, chat_id, first, last = json.loads(payload)
            return cls(str(channel), str(chat_id), int(first), int(last))
        except (ValueError, TypeError):
            return None


@dataclass(frozen=True)
class Logged:
    """A message as the page receives it: its chat's sequence number, kind and content."""

    seq: int
    kind: str
    body: dict[str, Any]


async def append(
    db: Database,
    channel: str,
    chat_id: str,
    items: Sequence[tuple[str, dict[str, Any]]],
    *,
    to_telegram: bool = False,
) -> list[Logged]:
    """Write ``items`` (kind, body) to the chat in order, committed; what was written.

    ``to_telegram``: they are addressed to a Telegram chat and wait for the Telegram side.
    """
    if not items:
        return []
    for _attempt in range(ATTEMPTS):
        try:
            async with db.uow() as uow:
                written = await append_in(uow, channel, chat_id, items, to_telegram)
                await uow.commit()
                return written
        except IntegrityError:
            continue  # another writer took these numbers first: take the next ones
    raise RuntimeError(f"web chat {channel}/{chat_id}: no free sequence number")


async def append_in(
    uow: UnitOfWork,
    channel: str,
    chat_id: str,
    items: Sequence[tuple[str, dict[str, Any]]],
    to_telegram: bool = False,
) -> list[Logged]:
    """Number ``items`` after the chat's newest message and add them, signalled at commit.

    In the caller's transaction (a broadcast writing its copies); a clash with another
    writer's numbers raises IntegrityError at flush, as ``append`` retries.
    """
    last = await last_seq(uow, channel, chat_id)
    now = uow.clock.now()
    written: list[Logged] = []
    for n, (kind, body) in enumerate(items, start=last + 1):
        uow.session.add(
            WebChatMessage(
                channel=channel,
                chat_id=chat_id,
                seq=n,
                kind=kind,
                body=body,
                created_at=now,
                to_telegram=to_telegram,
            )
        )
        written.append(Logged(n, kind, body))
    await uow.session.flush()
    signal = Appended(channel, chat_id, written[0].seq, written[-1].seq)
    await uow.notify(TOPIC, signal.payload())
    return written


async def append_many_in(
    uow: UnitOfWork, channel: str, items: dict[str, list[tuple[str, dict[str, Any]]]]
) -> dict[str, list[Logged]]:
    """Write each chat's ``items`` after its newest message, many chats in one statement.

    In the caller's transaction (not committed): the outbox writes a batch of web copies
    and records them sent in one commit, so a copy is in a transcript exactly when its row
    says so. Two writers taking one number raise IntegrityError: the caller starts over.
    """
    if not items:
        return {}
    chats = list(items)
    last: dict[str, int] = {}
    for start in range(0, len(chats), 500):
        chunk = chats[start : start + 500]
        rows = await uow.session.execute(
            select(WebChatMessage.chat_id, func.max(WebChatMessage.seq))
            .where(WebChatMessage.channel == channel, WebChatMessage.chat_id.in_(chunk))
            .group_by(WebChatMessage.chat_id)
        )
        last.update({str(chat): int(seq or 0) for chat, seq in rows.all()})
    now = uow.clock.now()
    values: list[dict[str, Any]] = []
    written: dict[str, list[Logged]] = {}
    for chat_id, chat_items in items.items():
        for n, (kind, body) in enumerate(chat_items, start=last.get(chat_id, 0) + 1):
            values.append(
                {
                    "channel": channel,
                    "chat_id": chat_id,
                    "seq": n,
                    "kind": kind,
                    "body": body,
                    "created_at": now,
                    "to_telegram": False,
                    "telegram_sent_at": None,
                }
            )
            written.setdefault(chat_id, []).append(Logged(n, kind, body))
    await uow.session.execute(insert(WebChatMessage.__table__), values)
    signals = [
        Appended(channel, chat, logged[0].seq, logged[-1].seq) for chat, logged in written.items()
    ]
    await uow.notify_many(TOPIC, [signal.payload() for signal in signals])
    return written


async def last_seq(uow: UnitOfWork, channel: str, chat_id: str) -> int:
    """The newest sequence number of a chat (0 before its first message)."""
    found = await uow.session.scalar(
        select(func.max(WebChatMessage.seq)).where(
            WebChatMessage.channel == channel, WebChatMessage.chat_id == chat_id
        )
    )
    return int(found or 0)


async def after(
    db: Database, channel: str, chat_id: str, seq: int, limit: int = REPLAY_LIMIT
) -> list[Logged]:
    """The chat's messages numbered above ``seq``, oldest first."""
    async with db.uow() as uow:
        rows = await uow.session.scalars(
            select(WebChatMessage)
            .where(
                WebChatMessage.channel == channel,
                WebChatMessage.chat_id == chat_id,
                WebChatMessage.seq > seq,
            )
            .order_by(WebChatMessage.seq)
            .limit(limit)
        )
        return [Logged(row.seq, row.kind, row.body) for row in rows]


async def between(
    uow: UnitOfWork, ranges: Sequence[tuple[str, str, int, int]]
) -> dict[tuple[str, str], list[Logged]]:
    """Several chats' messages numbered ``first`` to ``last`` (channel, chat, first, last),
    oldest first, in one query."""
    if not ranges:
        return {}
    rows = await uow.session.scalars(
        select(WebChatMessage)
        .where(
            or_(
                *(
                    and_(
                        WebChatMessage.channel == channel,
                        WebChatMessage.chat_id == chat_id,
                        WebChatMessage.seq.between(first, last),
                    )
                    for channel, chat_id, first, last in ranges
                )
            )
        )
        .order_by(WebChatMessage.channel, WebChatMessage.chat_id, WebChatMessage.seq)
    )
    found: dict[tuple[str, str], list[Logged]] = {}
    for row in rows:
        found.setdefault((row.channel, row.chat_id), []).append(Logged(row.seq, row.kind, row.body))
    return found


async def waiting_for_telegram(db: Database, limit: int = 100) -> list[tuple[str, Logged]]:
    """Messages to Telegram chats not delivered there yet: (chat id, message), oldest first."""
    async with db.uow() as uow:
        rows = await uow.session.scalars(
            select(WebChatMessage)
            .where(
                WebChatMessage.channel == "telegram",
                WebChatMessage.to_telegram.is_(True),
                WebChatMessage.telegram_sent_at.is_(None),
            )
            .order_by(WebChatMessage.created_at, WebChatMessage.seq)
            .limit(limit)
        )
        return [(row.chat_id, Logged(row.seq, row.kind, row.body)) for row in rows]


async def sent_to_telegram(db: Database, chat_id: str, seq: int) -> None:
    """Record that the Telegram side delivered this message."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(WebChatMessage)
            .where(
                WebChatMessage.channel == "telegram",
                WebChatMessage.chat_id == chat_id,
                WebChatMessage.seq == seq,
            )
            .values(telegram_sent_at=uow.clock.now())
        )
        await uow.commit()
