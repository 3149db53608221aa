"""Who a browser is in the web chat, kept in the shared session cookie.

``chat_id``: a random web identity made on the first visit (the customer's chat and user
id on channel "web"); only this cookie knows it, so no one else can open that chat.
``partner_device``: set by a partner's one-time sign-in or enrolment link: the key of a
``core.people.partner_devices`` row. Every request checks that row (revoked, expired or
a retired partner: the browser is a customer again) and the page shows that partner's
chat: their Telegram chat when they have one, else their web partner chat (see
``bot.handlers.webchat``).
"""

from __future__ import annotations

import secrets

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from bot.handlers.webchat import WebIdentity, customer_identity, partner_web_identity
from core.models import Partner
from core.people.partner_devices import enrol_device, forget_device, partner_of_device
from core.platform.uow import Database

CHAT_ID = "chat_id"
PARTNER_DEVICE = "partner_device"
# Sessions of the sign-in before devices were rows: forgotten (the partner signs in again).
_OLD_KEYS = ("partner_id", "partner_telegram_id", "partner_until")


def new_web_id() -> str:
    """A random, unguessable web chat id (fits the 64-character chat id columns)."""
    return "w" + secrets.token_urlsafe(18)


async def ensure_identity(request: web.Request, db: Database) -> tuple[Session, WebIdentity]:
    """This browser's identity, made (and put in its cookie) on the first visit."""
    session = await get_session(request)
    if not isinstance(session.get(CHAT_ID), str):
        session[CHAT_ID] = new_web_id()
    return session, await identity_of(session, request, db)


async def existing_identity(request: web.Request, db: Database) -> WebIdentity | None:
    """This browser's identity if its cookie carries one (the websocket never makes one)."""
    session = await get_session(request)
    if not isinstance(session.get(CHAT_ID), str) and session.get(PARTNER_DEVICE) is None:
        return None
    return await identity_of(session, request, db)


async def identity_of(session: Session, request: web.Request, db: Database) -> WebIdentity:
    """A signed-in partner's chat (while their device is valid), else the customer's web chat."""
    for old in _OLD_KEYS:
        session.pop(old, None)
    key = session.get(PARTNER_DEVICE)
    if isinstance(key, str):
        async with db.uow() as uow:
            partner = await partner_of_device(uow, key)
            await uow.commit()
        if partner is not None:
            return partner_web_identity(partner, browser_language(request), device=key)
        session.pop(PARTNER_DEVICE, None)  # revoked or expired: a customer again
    if not isinstance(session.get(CHAT_ID), str):
        session[CHAT_ID] = new_web_id()
    return customer_identity(session[CHAT_ID], browser_language(request), request.remote)


def browser_language(request: web.Request) -> str | None:
    """The browser's first language (zh… or en…), like Telegram's app language."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first or None


async def sign_in_partner(request: web.Request, db: Database, partner: Partner) -> WebIdentity:
    """A fresh session (a new cookie value: no fixation) bound to a new device of ``partner``."""
    old = await get_session(request)
    kept = old.get(CHAT_ID)
    async with db.uow() as uow:
        key = await enrol_device(uow, partner, request.headers.get("User-Agent", ""))
        await uow.commit()
    session = await new_session(request)
    session[CHAT_ID] = kept if isinstance(kept, str) else new_web_id()
    session[PARTNER_DEVICE] = key
    return partner_web_identity(partner, browser_language(request), device=key)


async def sign_out_partner(request: web.Request, db: Database) -> None:
    """Back to being a customer in this browser; its device is revoked (its key is useless)."""
    session = await get_session(request)
    key = session.pop(PARTNER_DEVICE, None)
    if isinstance(key, str):
        async with db.uow() as uow:
            await forget_device(uow, key)
            await uow.commit()
    for old in _OLD_KEYS:
        session.pop(old, None)
