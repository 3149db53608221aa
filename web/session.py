"""Signed, encrypted, http-only session cookies (aiohttp-session with Fernet).

One cookie carries every part's keys: the web chat's identity (``chat_*``), a partner's
web sign-in (``partner_*``) and an HQ operator's console session (``admin_*``). Its key
is made once and kept in the database, so a restart or a second process reads the same
cookies.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from core.platform.app_secrets import app_secret
from core.platform.uow import Database

COOKIE = "linli_session"
MAX_AGE_S = 90 * 24 * 3600  # a customer stays signed in to the chat for a season


async def install_sessions(app: web.Application, db: Database, *, secure: bool = False) -> None:
    """Add the session middleware; ``secure`` for HTTPS deployments."""
    key = await app_secret(db, "web-session")
    storage = EncryptedCookieStorage(
        key,  # raw 32 bytes: the storage encodes them for Fernet
        cookie_name=COOKIE,
        httponly=True,
        samesite="Lax",
        secure=secure,
        max_age=MAX_AGE_S,
    )
    setup_sessions(app, storage)
