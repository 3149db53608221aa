"""Web copies: an outbox row for a web chat becomes a message in that chat's transcript.

There is no messenger to call, so no claim is committed first: one transaction takes a
batch of due web rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), writes them into their
chats' numbered transcripts (``core.messaging.webchat_log``, the same rows a page
replays) and records them ``sent`` with the transcript number as the message id. A copy
is therefore in a transcript exactly when its row says ``sent``: a sender killed before
the commit leaves neither, the next run writes it once. Each body carries ``outbox``
(the row id) for anyone who needs to know a message came from a broadcast.

No rate limit applies (nothing leaves the database); the Telegram pacing stays with the
Telegram rows. The pages open on those chats are told after the commit (``Published``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from core.messaging.webchat_log import Logged, append_many_in
from core.models import ChannelIdentity, OutboxMessage
from core.models.outbox import FAILED, PENDING, SENDING, SENT
from core.platform.uow import UnitOfWork

CHANNEL = "web"
NO_CHAT = "no such web chat"


@dataclass(frozen=True)
class WebCopy:
    """A due web row, as the transcript item is made from it."""

    row_id: int
    broadcast_id: int
    chat_id: str
    text: str
    buttons: list[Any]
    photo_ref: str | None


Item = tuple[str, dict[str, Any]]  # (kind, body) as the transcript stores it
ItemOf = Callable[[WebCopy], Item]
# (channel, chat id, messages just written): tells the pages open on that chat.
Published = Callable[[str, str, list[Logged]], Awaitable[None]]


def plain_item(copy: WebCopy) -> Item:
    """A bubble with the copy's text and buttons (the page's ``say``); a Telegram photo
    cannot be shown on the web, so it is only mentioned."""
    text = f"{copy.text}\n📷" if copy.photo_ref else copy.text
    buttons = [
        [{"label": str(label), "data": str(data)} for label, data in row] for row in copy.buttons
    ]
    return "say", {"text": text, "buttons": buttons, "outbox": copy.row_id}


@dataclass
class WebBatch:
    """What one transaction did: copies written per chat, rows failed, broadcasts touched."""

    written: dict[str, list[Logged]]
    failed: int
    broadcasts: set[int]

    @property
    def sent(self) -> int:
        """Copies now in a transcript."""
        return sum(len(messages) for messages in self.written.values())


async def write_copies(uow: UnitOfWork, copies: list[WebCopy], item_of: ItemOf) -> WebBatch:
    """Write ``copies`` into their transcripts and record their rows (not committed).

    A row whose chat is no web identity (any more) is ``failed``, never retried.
    """
    chats = sorted({copy.chat_id for copy in copies})
    known: set[str] = set()
    for start in range(0, len(chats), 500):
        known.update(
            await uow.session.scalars(
                select(ChannelIdentity.external_id).where(
                    ChannelIdentity.channel == CHANNEL,
                    ChannelIdentity.external_id.in_(chats[start : start + 500]),
                )
            )
        )
    items: dict[str, list[Item]] = {}
    order: dict[str, list[WebCopy]] = {}
    lost: list[WebCopy] = []
    for copy in copies:
        if copy.chat_id not in known:
            lost.append(copy)
            continue
        items.setdefault(copy.chat_id, []).append(item_of(copy))
        order.setdefault(copy.chat_id, []).append(copy)
    written = await append_many_in(uow, CHANNEL, items)
    now = uow.clock.now()
    sent = [
        {"row_id": copy.row_id, "seq": message.seq, "now": now}
        for chat_id, messages in written.items()
        for copy, message in zip(order[chat_id], messages, strict=True)
    ]
    if sent:
        await uow.session.execute(_SENT, sent)
    if lost:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([copy.row_id for copy in lost]))
            .values(
                status=FAILED,
                attempts=OutboxMessage.attempts + 1,
                last_error=NO_CHAT,
                claimed_by=None,
                claimed_until=None,
            )
        )
    return WebBatch(
        written=written,
        failed=len(lost),
        broadcasts={copy.broadcast_id for copy in copies},
    )


_TABLE = OutboxMessage.__table__
_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        or_(_TABLE.c.status == PENDING, _TABLE.c.status == SENDING),
    )
    .values(
        status=SENT,
        message_id=bindparam("seq"),
        sent_at=bindparam("now"),
        attempts=_TABLE.c.attempts + 1,
        last_error=None,
        claimed_by=None,
        claimed_until=None,
    )
)
