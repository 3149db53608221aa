"""Who a browser is in the web chat, kept in the shared session cookie.

``chat_id``: a random web identity made on the first visit (the customer's chat and user
id on channel "web"); only this cookie knows it, so no one else can open that chat.
``partner_id`` (with ``partner_telegram_id``): set by a partner's one-time sign-in link;
the page then shows that partner's chat (see ``bot.handlers.webchat``).
"""

from __future__ import annotations

import secrets
import time

from aiohttp import web
from aiohttp_session import Session, get_session, new_session

from bot.handlers.webchat import WebIdentity, customer_identity, partner_identity

CHAT_ID = "chat_id"
PARTNER_ID = "partner_id"
PARTNER_TELEGRAM_ID = "partner_telegram_id"
PARTNER_UNTIL = "partner_until"
PARTNER_SESSION_S = 7 * 24 * 3600  # a partner signs in again weekly


def new_web_id() -> str:
    """A random, unguessable web chat id (fits the 64-character chat id columns)."""
    return "w" + secrets.token_urlsafe(18)


async def ensure_identity(request: web.Request) -> tuple[Session, WebIdentity]:
    """This browser's identity, made (and put in its cookie) on the first visit."""
    session = await get_session(request)
    if not isinstance(session.get(CHAT_ID), str):
        session[CHAT_ID] = new_web_id()
    return session, identity_of(session, request)


async def existing_identity(request: web.Request) -> WebIdentity | None:
    """This browser's identity if its cookie carries one (the websocket never makes one)."""
    session = await get_session(request)
    if not isinstance(session.get(CHAT_ID), str) and session.get(PARTNER_ID) is None:
        return None
    return identity_of(session, request)


def identity_of(session: Session, request: web.Request) -> WebIdentity:
    """A signed-in partner's chat, else the customer's web chat."""
    telegram_id = session.get(PARTNER_TELEGRAM_ID)
    until = session.get(PARTNER_UNTIL)
    if isinstance(telegram_id, int) and isinstance(until, int | float) and until > time.time():
        return partner_identity(telegram_id, browser_language(request))
    if not isinstance(session.get(CHAT_ID), str):
        session[CHAT_ID] = new_web_id()
    return customer_identity(session[CHAT_ID], browser_language(request), request.remote)


def browser_language(request: web.Request) -> str | None:
    """The browser's first language (zh… or en…), like Telegram's app language."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first or None


async def sign_in_partner(request: web.Request, partner_id: int, telegram_id: int) -> None:
    """A fresh session (a new cookie value: no fixation) holding the partner's sign-in."""
    old = await get_session(request)
    kept = old.get(CHAT_ID)
    session = await new_session(request)
    session[CHAT_ID] = kept if isinstance(kept, str) else new_web_id()
    session[PARTNER_ID] = partner_id
    session[PARTNER_TELEGRAM_ID] = telegram_id
    session[PARTNER_UNTIL] = int(time.time()) + PARTNER_SESSION_S


async def sign_out_partner(request: web.Request) -> None:
    """Back to being a customer in this browser."""
    session = await get_session(request)
    session.pop(PARTNER_ID, None)
    session.pop(PARTNER_TELEGRAM_ID, None)
    session.pop(PARTNER_UNTIL, None)
