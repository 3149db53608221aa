"""Who is signed in to the console, for how long, and the CSRF check on every form.

A console session is the ``admin_*`` keys of the shared cookie: a customer's chat keys or
a partner's keys never open a page here. It ends after ``LINLI_CONSOLE_IDLE_MINUTES``
without a request and ``LINLI_CONSOLE_SESSION_HOURS`` after signing in, on the
database's clock; every request also checks the account is still active.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session

from core.models import HqOperator
from web.console import keys
from web.context import context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Pages anyone may open: the sign-in itself and the language switch on it.
PUBLIC = frozenset({f"{keys.PREFIX}/login", f"{keys.PREFIX}/language"})


def csrf_token(session: Session) -> str:
    """The session's form token, made on first use."""
    token = session.get(keys.CSRF)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[keys.CSRF] = token
    return token


def sign_in(session: Session, operator: HqOperator, now: float) -> None:
    """Start a console session: a fresh CSRF token, the clocks of both lifetimes."""
    session[keys.OPERATOR_ID] = operator.id
    session[keys.OPERATOR_NAME] = operator.username
    session[keys.STARTED] = now
    session[keys.SEEN] = now
    session[keys.CSRF] = secrets.token_urlsafe(32)
    session.pop(keys.NOTICE, None)


def sign_out(session: Session, notice: str | None = None) -> None:
    """End the console session only (the same cookie's chat keys stay)."""
    for key in keys.SIGNED_IN_KEYS:
        session.pop(key, None)
    session[keys.CSRF] = secrets.token_urlsafe(32)
    if notice is not None:
        session[keys.NOTICE] = notice


async def signed_in(request: web.Request, session: Session) -> str | None:
    """The operator's username while the session is live, else None (and it is ended)."""
    operator_id = session.get(keys.OPERATOR_ID)
    if not isinstance(operator_id, int):
        return None
    db = context(request).db
    settings = db.settings
    now = db.clock.now().timestamp()
    started = float(session.get(keys.STARTED, 0))
    seen = float(session.get(keys.SEEN, 0))
    if (
        now - seen > settings.console_idle_minutes * 60
        or now - started > settings.console_session_hours * 3600
    ):
        sign_out(session, "expired")
        return None
    async with db.uow() as uow:
        operator = await uow.session.get(HqOperator, operator_id)
    if operator is None or not operator.active:
        sign_out(session)
        return None
    session[keys.SEEN] = now
    return operator.username


async def _form_token(request: web.Request) -> str:
    """The token a form sent (hidden field ``csrf``), or the X-CSRF-Token header."""
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf")
        return value if isinstance(value, str) else ""
    return ""


def login_redirect() -> web.HTTPSeeOther:
    """Back to the sign-in page."""
    return web.HTTPSeeOther(f"{keys.PREFIX}/login")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every console request: a CSRF check on POST (403), then a live session (or sign-in)."""
    session = await get_session(request)
    expected = csrf_token(session)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = await _form_token(request)
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise web.HTTPForbidden(text="403: the form's security token is missing or stale")
    if request.path not in PUBLIC:
        username = await signed_in(request, session)
        if username is None:
            raise login_redirect()
        request[keys.OPERATOR] = username
    response = await handler(request)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")  # no console inside another page
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
