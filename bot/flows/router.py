"""Dispatch: one incoming update → the right flow step → replies, in one transaction.

Flow modules register their steps here with decorators; the router owns the
transaction, the chat state's version check (a concurrent update of the same chat makes
one of them run again on fresh state), redelivered updates, stale buttons and the
translation of domain errors into the customer's language.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from bot.flows import callbacks, state
from bot.flows.context import ChatData, Ctx
from bot.flows.events import Button, Command, Incoming
from bot.flows.replies import Reply, Say, Toast
from bot.i18n import Translator, translator
from bot.messages.errors import explain
from core.errors import DomainError
from core.models import Customer
from core.people.customers import SEEN_EVERY, customer_for_identity, touch_identity
from core.platform.uow import Database, UnitOfWork

log = logging.getLogger("linli.flows")

Step = Callable[[Ctx], Awaitable[None]]
ButtonStep = Callable[[Ctx, Any], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])

_COMMANDS: dict[str, Step] = {}
_BUTTONS: dict[type[Any], ButtonStep] = {}
_STEPS: dict[str, Step] = {}
_FALLBACK: list[Step] = []
ATTEMPTS = 3


def on_command(name: str) -> Callable[[F], F]:
    """Register the handler of ``/name``."""

    def register(handler: F) -> F:
        _COMMANDS[name] = handler
        return handler

    return register


def on_button(kind: type[Any]) -> Callable[[F], F]:
    """Register the handler of a payload type (see ``callbacks.payload``)."""

    def register(handler: F) -> F:
        _BUTTONS[kind] = handler
        return handler

    return register


def on_step(name: str) -> Callable[[F], F]:
    """Register what to do with a message while the chat is at step ``name``."""

    def register(handler: F) -> F:
        _STEPS[name] = handler
        return handler

    return register


def fallback(handler: F) -> F:
    """Register the handler for messages no step claims (the main menu)."""
    _FALLBACK[:] = [handler]
    return handler


def _(message: str) -> str:
    """Mark a message for extraction; translated at send time."""
    return message


EXPIRED = _("This button has expired. Here is the menu again.")
BUSY = _("That took a moment too long. Please try again.")


async def handle(db: Database, incoming: Incoming) -> list[Reply]:
    """Run one update to completion and return what to send."""
    import bot.flows.all  # noqa: F401  (registers every flow)

    key = await state.signing_key(db)
    for _attempt in range(ATTEMPTS):
        try:
            return await _attempt_once(db, incoming, key)
        except state.StateConflict:
            continue  # another update of this chat won the race: run again on its result
        except IntegrityError:
            log.info("integrity race on chat %s; retrying", incoming.chat_id)
            continue
    return [Say(translator(None).gettext(BUSY))]


async def _attempt_once(db: Database, incoming: Incoming, key: bytes) -> list[Reply]:
    """One transaction: dedupe, load, dispatch, save, commit.

    No savepoint wraps the step (two statements on every update): a refusal rolls the
    whole transaction back instead and ``_refused`` records the update in a fresh one.
    """
    async with db.uow() as uow:
        opened = await _open(uow, incoming)
        if opened is None:
            return []
        customer, chat, version = opened
        before = (chat.step, copy.deepcopy(chat.data))
        t = translator(customer.locale)
        ctx = Ctx(uow=uow, incoming=incoming, customer=customer, chat=chat, t=t, key=key)
        try:
            await _dispatch(ctx)
        except DomainError as refusal:
            await uow.rollback()
            return await _refused(db, incoming, ctx, version, refusal)
        await _save(uow, incoming, ctx.chat, before, version)
        await uow.commit()
        return ctx.replies


Opened = tuple[Customer, ChatData, int | None]
# Per database, (channel, user id) → when this process last wrote ``last_seen_at``: no
# statement at all for a chat that wrote a minute ago (cleared when it grows past the limit).
_SEEN: weakref.WeakKeyDictionary[Database, dict[tuple[str, str], dt.datetime]] = (
    weakref.WeakKeyDictionary()
)
_SEEN_LIMIT = 50_000


async def _seen(uow: UnitOfWork, incoming: Incoming) -> None:
    """Remember which identity the customer uses now (broadcasts follow it)."""
    seen = _SEEN.setdefault(uow.db, {})
    key = (incoming.channel, incoming.user_id)
    now = uow.clock.now()
    last = seen.get(key)
    if last is not None and dt.timedelta(0) <= now - last < SEEN_EVERY:
        return
    if len(seen) >= _SEEN_LIMIT:
        seen.clear()
    seen[key] = now
    await touch_identity(uow, incoming.channel, incoming.user_id)


async def _open(uow: UnitOfWork, incoming: Incoming) -> Opened | None:
    """Record the update id and load who wrote and where their chat stands; None: seen before."""
    if incoming.update_id is not None and not await state.first_time_seen(
        uow, incoming.channel, incoming.update_id
    ):
        return None
    known = await state.customer_and_state(
        uow, incoming.channel, incoming.user_id, incoming.chat_id
    )
    if known is not None:
        await _seen(uow, incoming)
        return known
    customer = await customer_for_identity(
        uow, incoming.channel, incoming.user_id, locale=_locale_of(incoming)
    )
    chat, version = await state.load(uow, incoming.channel, incoming.chat_id)
    return customer, chat, version


async def _save(
    uow: UnitOfWork,
    incoming: Incoming,
    chat: ChatData,
    before: tuple[str, dict[str, Any]],
    version: int | None,
) -> None:
    """Write the state when it changed (duplicate presses then cannot conflict)."""
    if version is None or (chat.step, chat.data) != before:
        await state.save(uow, incoming.channel, incoming.chat_id, chat, version)


async def _refused(
    db: Database,
    incoming: Incoming,
    ctx: Ctx,
    version: int | None,
    refusal: DomainError,
) -> list[Reply]:
    """A step refused: nothing it wrote stays; say why, keep its move of the chat's step."""
    async with db.uow() as uow:
        opened = await _open(uow, incoming)
        if opened is None:
            return []  # a redelivery of this update finished first
        _customer, fresh, now_version = opened
        if now_version != version:
            raise state.StateConflict()  # another update of this chat moved on meanwhile
        await _save(uow, incoming, ctx.chat, (fresh.step, fresh.data), version)
        await uow.commit()
    return [*ctx.replies, Say(explain(refusal, ctx.t))]


def _locale_of(incoming: Incoming) -> str | None:
    """A first-time customer's language from their app setting (zh → zh_CN, en → en)."""
    code = (incoming.language_code or "").lower()
    if code.startswith("en"):
        return "en"
    if code.startswith("zh"):
        return "zh_CN"
    return None


async def _dispatch(ctx: Ctx) -> None:
    """Pick the handler for this event."""
    from bot.flows.partner.relay import partner_message  # a flow module; it imports this one

    if await partner_message(ctx):
        return  # a partner answering a customer through the relay (or told how to)
    event = ctx.event
    if isinstance(event, Command):
        handler = _COMMANDS.get(event.name.lower())
        if handler is None:
            ctx.say(ctx._("I don't know that command. Here is the menu."))
            await _run_fallback(ctx)
            return
        await handler(ctx)
        return
    if isinstance(event, Button):
        try:
            item = callbacks.unpack(ctx.key, ctx.incoming.chat_id, event.data)
            handler_for = _BUTTONS.get(type(item))
            if handler_for is None:
                raise callbacks.StaleButton()
        except callbacks.StaleButton:
            await expired(ctx)
            return
        await handler_for(ctx, item)
        return
    step = _STEPS.get(ctx.chat.step)
    if step is not None:
        await step(ctx)
        return
    await _run_fallback(ctx)


async def _run_fallback(ctx: Ctx) -> None:
    """The main menu, or a plain apology before any flow registered one."""
    if _FALLBACK:
        await _FALLBACK[0](ctx)
    else:
        ctx.say(ctx._("Sorry, I didn't understand that."))


async def expired(ctx: Ctx) -> None:
    """The polite answer to a forged, foreign or outdated button; changes nothing else."""
    ctx.replies.append(Toast(ctx._(EXPIRED)))
    await _run_fallback(ctx)


def t_for(locale: str | None) -> Translator:
    """A translator for code outside a flow step (adapters' apologies)."""
    return translator(locale)
