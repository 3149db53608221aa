"""Which browsers of a web chat take Web Push notifications, and whether a page is open.

A page subscribes (with its browser's keys) for the chat its cookie opens; a browser
that subscribes again (same endpoint) moves its row to the chat it now shows. A push
service that answers 404/410 forgot the subscription: its row goes.

``page_open_until``: a page of the chat is open in some server process until then; it
renews the lease while connected and clears it when the last page of that process closes,
so the push sender can tell "nobody is looking" across processes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, exists, select, tuple_, update

from core.models import ChannelIdentity, Order, PushSubscription
from core.platform.uow import UnitOfWork

TOPIC = "linli_push_subs"  # signalled when a chat gets a subscription
PAGE_LEASE = dt.timedelta(seconds=90)
MAX_ENDPOINT = 2000
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}={0,2}$")


class BadSubscription(ValueError):
    """A subscription the Push API would never produce (or one pointing somewhere odd)."""


@dataclass(frozen=True)
class Target:
    """Where one push goes: the endpoint and the browser's keys."""

    endpoint: str
    p256dh: str
    auth: str

    def as_info(self) -> dict[str, object]:
        """The PushSubscription JSON shape pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def checked(raw: object, *, allow_http: bool) -> Target:
    """A page's ``PushSubscription.toJSON()``, validated.

    Endpoints are https:// (push services are); plain http only where the site itself
    runs on http (a developer's machine, the tests' fake push service on 127.0.0.1).
    """
    if not isinstance(raw, dict):
        raise BadSubscription("not a subscription")
    endpoint, keys = raw.get("endpoint"), raw.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise BadSubscription("no endpoint or keys")
    schemes = ("https://", "http://") if allow_http else ("https://",)
    if len(endpoint) > MAX_ENDPOINT or not endpoint.startswith(schemes) or " " in endpoint:
        raise BadSubscription("bad endpoint")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(k, str) and _KEY.match(k) for k in (p256dh, auth)):
        raise BadSubscription("bad keys")
    return Target(endpoint, str(p256dh), str(auth))


async def subscribe(
    uow: UnitOfWork, channel: str, chat_id: str, target: Target, *, page_open: bool = True
) -> None:
    """Keep ``target`` for the chat (replacing the endpoint's earlier row, if any)."""
    now = uow.clock.now()
    await uow.session.execute(
        delete(PushSubscription).where(PushSubscription.endpoint == target.endpoint)
    )
    uow.session.add(
        PushSubscription(
            channel=channel,
            chat_id=chat_id,
            endpoint=target.endpoint,
            p256dh=target.p256dh,
            auth=target.auth,
            created_at=now,
            page_open_until=now + PAGE_LEASE if page_open else None,
        )
    )
    await uow.session.flush()
    await uow.notify(TOPIC, f"{channel}/{chat_id}")


async def unsubscribe(uow: UnitOfWork, channel: str, chat_id: str, endpoint: str) -> bool:
    """The page turned notifications off: forget its endpoint (its own chat's only)."""
    result = await uow.session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint,
            PushSubscription.channel == channel,
            PushSubscription.chat_id == chat_id,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def forget_endpoint(uow: UnitOfWork, endpoint: str) -> None:
    """The push service said the subscription is gone (404/410)."""
    await uow.session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint))


async def subscribed_chats(uow: UnitOfWork) -> set[tuple[str, str]]:
    """Every chat with at least one subscription (the sender's filter, loaded at start)."""
    rows = await uow.session.execute(
        select(PushSubscription.channel, PushSubscription.chat_id).distinct()
    )
    return {(channel, chat_id) for channel, chat_id in rows}


async def targets_unwatched(uow: UnitOfWork, channel: str, chat_id: str) -> list[Target]:
    """The chat's subscriptions, none if a page of it is open anywhere now."""
    now = uow.clock.now()
    rows = list(
        await uow.session.scalars(
            select(PushSubscription).where(
                PushSubscription.channel == channel, PushSubscription.chat_id == chat_id
            )
        )
    )
    if any(row.page_open_until is not None and row.page_open_until > now for row in rows):
        return []
    return [Target(row.endpoint, row.p256dh, row.auth) for row in rows]


async def targets_unwatched_of(
    uow: UnitOfWork, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], list[Target]]:
    """``targets_unwatched`` of several chats in one query (chats with none are left out)."""
    if not keys:
        return {}
    now = uow.clock.now()
    rows = await uow.session.scalars(
        select(PushSubscription).where(
            tuple_(PushSubscription.channel, PushSubscription.chat_id).in_(keys)
        )
    )
    found: dict[tuple[str, str], list[Target]] = {}
    watched: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.channel, row.chat_id)
        if row.page_open_until is not None and row.page_open_until > now:
            watched.add(key)
        found.setdefault(key, []).append(Target(row.endpoint, row.p256dh, row.auth))
    return {key: targets for key, targets in found.items() if key not in watched}


async def page_open(uow: UnitOfWork, channel: str, chat_id: str, *, is_open: bool) -> None:
    """A page of the chat is open (renew the lease) or the last one here closed.

    Only chats with a subscription write (most chats have none: a read, no write lock).
    """
    if not await has_subscription(uow, channel, chat_id):
        return
    until = uow.clock.now() + PAGE_LEASE if is_open else None
    await uow.session.execute(
        update(PushSubscription)
        .where(PushSubscription.channel == channel, PushSubscription.chat_id == chat_id)
        .values(page_open_until=until)
    )


async def has_subscription(uow: UnitOfWork, channel: str, chat_id: str) -> bool:
    """True when some browser takes this chat's pushes."""
    found = await uow.session.scalar(
        select(
            exists().where(PushSubscription.channel == channel, PushSubscription.chat_id == chat_id)
        )
    )
    return bool(found)


async def has_ordered(uow: UnitOfWork, channel: str, chat_id: str) -> bool:
    """True once the chat's customer placed an order (the page then offers notifications)."""
    found = await uow.session.scalar(
        select(
            exists()
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == chat_id)
            .where(Order.customer_id == ChannelIdentity.customer_id)
        )
    )
    return bool(found)
