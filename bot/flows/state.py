"""Chat state in the database with optimistic versioning, and the seen-updates ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, delete, select, update

from bot.flows.context import ChatData
from core.models import ChannelIdentity, ChatState, Customer, ProcessedUpdate
from core.platform import sqlite_direct
from core.platform.app_secrets import app_secret
from core.platform.db import insert_or_ignore
from core.platform.uow import Database, UnitOfWork


class StateConflict(Exception):
    """Another update of the same chat saved first; the step must run again on fresh state."""


def _built(uow: UnitOfWork, name: str, build: object) -> object:
    """A statement built once per database (building costs more than running it)."""
    cached = uow.db.caches.get(name)
    if cached is None:
        cached = uow.db.caches[name] = build(uow)  # type: ignore[operator]
    return cached


# The customer behind an identity and their chat's state, in one round trip per update.
_CUSTOMER_AND_STATE = (
    select(Customer, ChatState.step, ChatState.data, ChatState.version)
    .select_from(ChannelIdentity)
    .join(Customer, Customer.id == ChannelIdentity.customer_id)
    .outerjoin(
        ChatState,
        (ChatState.channel == bindparam("channel")) & (ChatState.chat_id == bindparam("chat_id")),
    )
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("user_id"),
    )
)


async def customer_and_state(
    uow: UnitOfWork, channel: str, user_id: str, chat_id: str
) -> tuple[Customer, ChatData, int | None] | None:
    """A known customer with their chat's state and version; None for a first contact."""
    row = (
        await uow.session.execute(
            _CUSTOMER_AND_STATE, {"channel": channel, "user_id": user_id, "chat_id": chat_id}
        )
    ).first()
    if row is None:
        return None
    customer, step, data, version = row
    if version is None:
        return customer, ChatData(), None
    return customer, ChatData(step, dict(data or {})), version


async def load(uow: UnitOfWork, channel: str, chat_id: str) -> tuple[ChatData, int | None]:
    """The chat's state and version (None: never saved)."""
    row = await uow.session.get(ChatState, (channel, chat_id), populate_existing=True)
    if row is None:
        return ChatData(), None
    return ChatData(row.step, dict(row.data or {})), row.version


async def save(
    uow: UnitOfWork, channel: str, chat_id: str, chat: ChatData, version: int | None
) -> None:
    """Write the state if nobody else did since ``version`` was read, else StateConflict."""
    now = uow.clock.now()
    if version is None:
        first = await sqlite_direct.write(
            uow,
            _built(uow, "first_state", lambda u: insert_or_ignore(u.db.is_sqlite, _STATE)),  # type: ignore[arg-type]
            {
                "channel": channel,
                "chat_id": chat_id,
                "step": chat.step,
                "data": chat.data,
                "version": 1,
                "updated_at": now,
            },
        )
        if first != 1:
            raise StateConflict()
        return
    changed = await sqlite_direct.write(
        uow,
        _NEXT_VERSION,
        {
            "of_channel": channel,
            "of_chat": chat_id,
            "seen_version": version,
            "step": chat.step,
            "data": chat.data,
            "version": version + 1,
            "updated_at": now,
        },
    )
    if changed != 1:
        raise StateConflict()


# Core, on the tables: the ORM's update machinery cost more than the write itself.
_STATE = ChatState.__table__
_SEEN = ProcessedUpdate.__table__
_NEXT_VERSION = (
    update(_STATE)
    .where(
        _STATE.c.channel == bindparam("of_channel"),
        _STATE.c.chat_id == bindparam("of_chat"),
        _STATE.c.version == bindparam("seen_version"),
    )
    .values(
        step=bindparam("step"),
        data=bindparam("data"),
        version=bindparam("version"),
        updated_at=bindparam("updated_at"),
    )
)


async def first_time_seen(uow: UnitOfWork, channel: str, update_id: str) -> bool:
    """Record an update id; False when it was handled before (a redelivery)."""
    recorded = await sqlite_direct.write(
        uow,
        _built(uow, "seen_update", lambda u: insert_or_ignore(u.db.is_sqlite, _SEEN)),  # type: ignore[arg-type]
        {"channel": channel, "update_id": update_id, "seen_at": uow.clock.now()},
    )
    return recorded == 1


async def forget_updates_before(uow: UnitOfWork, days: int = 2) -> None:
    """Trim the ledger: Telegram never redelivers anything that old."""
    cutoff = uow.clock.now() - dt.timedelta(days=days)
    await uow.session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < cutoff))


async def signing_key(db: Database) -> bytes:
    """The button-signing key, made once and shared by every process through the database."""
    return await app_secret(db, "callbacks")
