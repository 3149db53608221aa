"""Chat state in the database with optimistic versioning, and the seen-updates ledger."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.flows.context import ChatData
from core.models import AppSecret, ChatState, ProcessedUpdate
from core.uow import Database, UnitOfWork


class StateConflict(Exception):
    """Another update of the same chat saved first; the step must run again on fresh state."""


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
        try:
            async with uow.session.begin_nested():
                await uow.session.execute(
                    insert(ChatState).values(
                        channel=channel,
                        chat_id=chat_id,
                        step=chat.step,
                        data=chat.data,
                        version=1,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            raise StateConflict() from exc
        return
    result = await uow.session.execute(
        update(ChatState)
        .where(
            ChatState.channel == channel,
            ChatState.chat_id == chat_id,
            ChatState.version == version,
        )
        .values(step=chat.step, data=chat.data, version=version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StateConflict()


async def first_time_seen(uow: UnitOfWork, channel: str, update_id: str) -> bool:
    """Record an update id; False when it was handled before (a redelivery)."""
    try:
        async with uow.session.begin_nested():
            await uow.session.execute(
                insert(ProcessedUpdate).values(
                    channel=channel, update_id=update_id, seen_at=uow.clock.now()
                )
            )
    except IntegrityError:
        return False
    return True


async def forget_updates_before(uow: UnitOfWork, days: int = 2) -> None:
    """Trim the ledger: Telegram never redelivers anything that old."""
    cutoff = uow.clock.now() - dt.timedelta(days=days)
    await uow.session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < cutoff))


async def signing_key(db: Database) -> bytes:
    """The button-signing key, made once and shared by every process through the database.

    Made in its own committed transaction, so a failing flow step can never roll it back
    after this process has cached it.
    """
    cached = db.caches.get("callback_key")
    if cached is not None:
        return bytes(cached)
    async with db.uow() as uow:
        value = await uow.session.scalar(_KEY)
        if value is None:
            try:
                fresh = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
                await uow.session.execute(insert(AppSecret).values(name="callbacks", value=fresh))
                await uow.commit()
                value = fresh
            except IntegrityError:
                await uow.rollback()
                value = await uow.session.scalar(_KEY)
    key = base64.urlsafe_b64decode(str(value))
    db.caches["callback_key"] = key
    return key


_KEY = select(AppSecret.value).where(AppSecret.name == "callbacks")
