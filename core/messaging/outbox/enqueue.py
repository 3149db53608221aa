"""Making a broadcast: the broadcast and one outbox row per recipient, in one transaction.

The caller's unit of work holds everything (a job scheduling a reminder, a partner's
notice), so the rows exist exactly when the broadcast does. Texts and buttons are
rendered here, per recipient, in their language and signed for their chat: the sender
only copies bytes to Telegram.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update

from core.errors import InvalidInput, NotFound
from core.models import Broadcast, ChannelIdentity, Customer, MessageOptOut, OutboxMessage
from core.models.base import UTCDateTime
from core.models.outbox import BLOCKED, CANCELLED, FAILED, OPTED_OUT, PENDING, SENDING, SENT
from core.people.customers import OPT_OUT_TOPICS
from core.platform.clock import to_utc
from core.platform.db import insert_or_ignore
from core.platform.uow import UnitOfWork

KINDS = (
    "outage",
    "event",
    "advice",
    "promotion",
    "letter",
    "reminder",
    "winback",
    "report",
    "deals",
)
# The opt-out topic (core.people.customers.OPT_OUT_TOPICS) each kind belongs to by default.
CATEGORY_OF_KIND = {
    "outage": "notices",
    "event": "events",
    "advice": "notices",
    "promotion": "deals",
    "letter": "notices",
    "reminder": "reminders",
    "winback": "winback",
    "report": "reports",
    "deals": "deals",
}
CREATORS = ("hq", "partner", "system")
# Row statuses: still to send, and what became of each copy.
_CHUNK = 500  # ids per IN (...) list: well under SQLite's and asyncpg's parameter limits


@dataclass(frozen=True)
class Recipient:
    """Who gets a copy: the customer, the chat it goes to, and their language."""

    customer_id: int
    chat_id: str
    locale: str = "zh_CN"
    channel: str = "telegram"


Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, signed callback data)


@dataclass(frozen=True)
class RenderedMessage:
    """One recipient's copy: text in their language, buttons already signed for their chat."""

    text: str
    buttons: Buttons = ()
    photo_ref: str | None = None


@dataclass(frozen=True)
class StatusChat:
    """Where progress is shown: the owner's chat, edited in place, in their language."""

    chat_id: str
    locale: str = "zh_CN"
    channel: str = "telegram"
    message_id: int | None = None


@dataclass(frozen=True)
class Progress:
    """How a broadcast stands; ``pending`` counts copies not yet settled (sending included)."""

    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    opted_out: int = 0
    pending: int = 0
    cancelled: int = 0
    counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        """Nothing is left to send."""
        return self.pending == 0


async def create_broadcast(
    uow: UnitOfWork,
    *,
    kind: str,
    recipients: Sequence[Recipient],
    render: Callable[[Recipient], RenderedMessage],
    send_at: dt.datetime,
    idempotency_key: str,
    category: str | None = None,
    unit_id: int | None = None,
    created_by: str = "system",
    partner_id: int | None = None,
    override_quiet: bool = False,
    status_chat: StatusChat | None = None,
) -> Broadcast:
    """The broadcast and its rows (not committed: the caller's transaction decides).

    A second call with the same ``idempotency_key`` returns the first broadcast and
    writes nothing. Customers who opted out of ``category`` get a row marked
    ``opted_out`` (counted in the report, never sent); customers unreachable since a
    403 get a row marked ``blocked`` without a new attempt. A customer listed twice
    gets one copy.
    """
    if kind not in KINDS:
        raise InvalidInput(field="kind", reason=f"one of {', '.join(KINDS)}")
    topic = category or CATEGORY_OF_KIND[kind]
    if topic not in OPT_OUT_TOPICS:
        raise InvalidInput(field="category", reason=f"one of {', '.join(OPT_OUT_TOPICS)}")
    if created_by not in CREATORS:
        raise InvalidInput(field="created_by", reason=f"one of {', '.join(CREATORS)}")
    existing = await _by_key(uow, idempotency_key)
    if existing is not None:
        return existing
    now = uow.clock.now()
    when = to_utc(send_at)
    values: dict[str, Any] = {
        "kind": kind,
        "category": topic,
        "unit_id": unit_id,
        "created_by": created_by,
        "partner_id": partner_id,
        "idempotency_key": idempotency_key,
        "send_at": when,
        "override_quiet": override_quiet,
        "status": "scheduled",
        "created_at": now,
    }
    if status_chat is not None:
        values |= {
            "status_channel": status_chat.channel,
            "status_chat_id": status_chat.chat_id,
            "status_locale": status_chat.locale,
            "status_message_id": status_chat.message_id,
        }
    table = Broadcast.__table__
    added = await uow.session.execute(
        insert_or_ignore(uow.db.is_sqlite, table, table.c.idempotency_key).values(**values)
    )
    if added.rowcount == 0:  # another transaction made it first (same key)
        found = await _by_key(uow, idempotency_key)
        if found is None:
            raise NotFound(what="broadcast", key=idempotency_key)
        return found
    broadcast = await _by_key(uow, idempotency_key)
    assert broadcast is not None
    await _insert_rows(uow, broadcast, recipients, render, when)
    return broadcast


async def _insert_rows(
    uow: UnitOfWork,
    broadcast: Broadcast,
    recipients: Sequence[Recipient],
    render: Callable[[Recipient], RenderedMessage],
    when: dt.datetime,
) -> None:
    """One row per distinct customer, written with executemany."""
    unique: dict[int, Recipient] = {}
    for recipient in recipients:
        unique.setdefault(recipient.customer_id, recipient)
    ids = list(unique)
    refused: set[int] = set()
    unreachable: set[int] = set()
    for chunk in _chunks(ids):
        refused.update(
            await uow.session.scalars(
                select(MessageOptOut.customer_id).where(
                    MessageOptOut.topic == broadcast.category,
                    MessageOptOut.customer_id.in_(chunk),
                )
            )
        )
        unreachable.update(
            await uow.session.scalars(
                select(Customer.id).where(
                    Customer.id.in_(chunk), Customer.unreachable_at.is_not(None)
                )
            )
        )
    rows: list[dict[str, Any]] = []
    for customer_id, recipient in unique.items():
        row: dict[str, Any] = {
            "broadcast_id": broadcast.id,
            "customer_id": customer_id,
            "channel": recipient.channel,
            "chat_id": recipient.chat_id,
            "attempts": 0,
            "next_attempt_at": when,
            "photo_ref": None,
            "buttons": [],
            "text": "",
        }
        if customer_id in unreachable and recipient.channel == "telegram":
            row |= {"status": BLOCKED, "last_error": "unreachable since an earlier 403"}
        elif customer_id in refused:
            row |= {"status": OPTED_OUT}
        else:
            message = render(recipient)
            row |= {
                "status": PENDING,
                "text": message.text,
                "buttons": [[list(button) for button in line] for line in message.buttons],
                "photo_ref": message.photo_ref,
            }
        rows.append({"last_error": None, **row})
    if rows:
        await uow.session.execute(insert(OutboxMessage.__table__), rows)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` a few hundred at a time."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


async def _by_key(uow: UnitOfWork, key: str) -> Broadcast | None:
    """The broadcast made under ``key``, if any."""
    return await uow.session.scalar(select(Broadcast).where(Broadcast.idempotency_key == key))


async def cancel_broadcast(uow: UnitOfWork, broadcast_id: int) -> Progress:
    """Stop a broadcast: copies not yet sent are marked cancelled; those in flight finish."""
    broadcast = await uow.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound(what="broadcast", key=broadcast_id)
    if broadcast.status in ("scheduled", "sending"):
        broadcast.status = "cancelled"
        broadcast.finished_at = uow.clock.now()
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == PENDING)
            .values(status=CANCELLED, claimed_by=None, claimed_until=None)
        )
        await uow.session.flush()
    return await progress(uow, broadcast_id)


_COUNTS = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)


async def progress(uow: UnitOfWork, broadcast_id: int) -> Progress:
    """The broadcast's counts by outcome, one grouped query."""
    rows = await uow.session.execute(_COUNTS.where(OutboxMessage.broadcast_id == broadcast_id))
    counts = {str(status): int(count) for status, count in rows.all()}
    return progress_of(counts)


def progress_of(counts: dict[str, int]) -> Progress:
    """Counts by row status → Progress."""
    return Progress(
        total=sum(counts.values()),
        sent=counts.get(SENT, 0),
        blocked=counts.get(BLOCKED, 0),
        failed=counts.get(FAILED, 0),
        opted_out=counts.get(OPTED_OUT, 0),
        pending=counts.get(PENDING, 0) + counts.get(SENDING, 0),
        cancelled=counts.get(CANCELLED, 0),
        counts=counts,
    )


# The channels the sender delivers to: Telegram through the Bot API, the web chat by
# writing to its transcript (core.messaging.outbox.web); "memory" (the in-process adapter
# of tests and the flows' fuzzing) through the transport, as Telegram.
DELIVERABLE = ("telegram", "web", "memory")


def _preferred(options: list[tuple[str, str, dt.datetime, int]], blocked: bool) -> tuple[str, str]:
    """The identity (channel, chat) used last; a Telegram chat that blocked the bot yields to
    any web chat the customer has."""
    if blocked and any(channel != "telegram" for channel, *_rest in options):
        options = [option for option in options if option[0] != "telegram"]
    channel, chat, _used, _id = max(options, key=lambda option: (option[2], option[3]))
    return channel, chat


async def recipients_for(
    uow: UnitOfWork, customer_ids: Sequence[int], channel: str | None = None
) -> list[Recipient]:
    """One recipient per customer of ``customer_ids`` who has a chat we can deliver to.

    Each customer is reached on the identity they used last (``last_seen_at``, else the
    newest): one copy per customer however many channels they use. ``channel`` keeps only
    customers whose preferred identity is on that channel. Customers without a Telegram
    or web identity are left out; the result is in customer id order.
    """
    found: list[Recipient] = []
    used = func.coalesce(
        ChannelIdentity.last_seen_at, ChannelIdentity.created_at, type_=UTCDateTime()
    )
    for chunk in _chunks(list(dict.fromkeys(customer_ids))):
        rows = await uow.session.execute(
            select(
                Customer.id,
                Customer.locale,
                Customer.unreachable_at,
                ChannelIdentity.channel,
                ChannelIdentity.external_id,
                used,
                ChannelIdentity.id,
            )
            .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
            .where(ChannelIdentity.channel.in_(DELIVERABLE), Customer.id.in_(chunk))
            .order_by(Customer.id)
        )
        options: dict[int, list[tuple[str, str, dt.datetime, int]]] = {}
        facts: dict[int, tuple[str, bool]] = {}
        for cid, locale, unreachable, chan, chat, last, identity_id in rows.all():
            options.setdefault(cid, []).append((str(chan), str(chat), last, identity_id))
            facts[cid] = (str(locale), unreachable is not None)
        for cid, choices in options.items():
            locale, blocked = facts[cid]
            chan, chat = _preferred(choices, blocked)
            if channel is None or chan == channel:
                found.append(Recipient(customer_id=cid, chat_id=chat, locale=locale, channel=chan))
    return found


async def unit_recipients(
    uow: UnitOfWork, unit_id: int, channel: str | None = None
) -> list[Recipient]:
    """Every household of a unit we can reach, each on the channel they used last."""
    ids = list(await uow.session.scalars(select(Customer.id).where(Customer.unit_id == unit_id)))
    return await recipients_for(uow, ids, channel)


@dataclass(frozen=True)
class Reach:
    """How many copies of a broadcast will be tried, by channel (the previews' and logs' count)."""

    web: int = 0
    telegram: int = 0

    @property
    def total(self) -> int:
        """Every copy to be tried."""
        return self.web + self.telegram


async def reach_of(uow: UnitOfWork, broadcast_id: int) -> Reach:
    """Copies of a broadcast that will be (or were) tried, counted by channel."""
    rows = await uow.session.execute(
        select(OutboxMessage.channel, func.count())
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.not_in((OPTED_OUT, BLOCKED)),
        )
        .group_by(OutboxMessage.channel)
    )
    counts = {str(channel): int(count) for channel, count in rows.all()}
    return Reach(web=counts.get("web", 0), telegram=counts.get("telegram", 0))
