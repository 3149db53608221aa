"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import datetime as dt
import logging
import math

from aiohttp import web
from aiohttp_session import get_session

from bot.i18n import supported_locale
from core.people.operators import authenticate, normalise_username
from core.platform.clock import Clock
from core.platform.config import Settings
from web.console import keys
from web.console.auth import login_redirect, sign_in, sign_out, signed_in
from web.console.render import page, page_translator
from web.console.throttle import FailureLimiter
from web.context import context

log = logging.getLogger(__name__)
USERS = web.AppKey("console_user_limiter", FailureLimiter)
ADDRESSES = web.AppKey("console_address_limiter", FailureLimiter)
# Operators behind one office NAT or proxy share an address: it may fail more often.
ADDRESS_FACTOR = 4


def install_limiters(app: web.Application, clock: Clock, settings: Settings) -> None:
    """Per-username and per-address failure counts on the console's application."""
    window = dt.timedelta(minutes=settings.console_failure_window_minutes)
    limit = settings.console_max_failures
    app[USERS] = FailureLimiter(clock, limit=limit, window=window)
    app[ADDRESSES] = FailureLimiter(clock, limit=limit * ADDRESS_FACTOR, window=window)


async def login_form(request: web.Request) -> web.Response:
    """The sign-in page (straight to the console when already signed in)."""
    session = await get_session(request)
    if await signed_in(request, session) is not None:
        raise web.HTTPSeeOther(f"{keys.PREFIX}/")
    notice = session.pop(keys.NOTICE, None)
    return await page(request, "login.html", notice=notice, error=None, username="")


def _address(request: web.Request) -> str:
    """The client's address for the per-address limit."""
    return request.remote or "unknown"


async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check the password; too many wrong ones per username or address wait (429)."""
    form = await request.post()
    username = normalise_username(str(form.get("username", "")))[:64]
    password = str(form.get("password", ""))
    users, addresses = request.config_dict[USERS], request.config_dict[ADDRESSES]
    address = _address(request)
    t = await page_translator(request)
    waits = [w for w in (users.retry_after(username), addresses.retry_after(address)) if w]
    if waits:
        wait = max(waits)
        minutes = max(1, math.ceil(wait / dt.timedelta(minutes=1)))
        error = t.ngettext(
            "Too many wrong passwords. Try again in %(n)d minute.",
            "Too many wrong passwords. Try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        return await page(
            request, "login.html", status=429, notice=None, error=error, username=username
        )
    db = context(request).db
    async with db.uow() as uow:
        operator = await authenticate(uow, username, password)
        if operator is not None:
            await uow.commit()
    if operator is None:
        users.failed(username)
        addresses.failed(address)
        log.warning("console sign-in refused for %r from %s", username, address)
        error = t.gettext("Wrong username or password.")
        return await page(
            request, "login.html", status=401, notice=None, error=error, username=username
        )
    users.succeeded(username)
    log.info("HQ %s signed in from %s", operator.username, address)
    session = await get_session(request)
    sign_in(session, operator, db.clock.now().timestamp())
    raise web.HTTPSeeOther(f"{keys.PREFIX}/")


async def logout(request: web.Request) -> web.StreamResponse:
    """End the console session; the cookie's other keys stay."""
    sign_out(await get_session(request), "signed_out")
    raise login_redirect()


async def language(request: web.Request) -> web.StreamResponse:
    """Keep the chosen language in the session and go back to the page it was chosen on."""
    form = await request.post()
    session = await get_session(request)
    session[keys.LOCALE] = supported_locale(str(form.get("locale", "")))
    back = str(form.get("next", ""))
    if not back.startswith(f"{keys.PREFIX}/") or back.startswith("//") or "\\" in back:
        back = f"{keys.PREFIX}/"
    raise web.HTTPSeeOther(back)


def routes(app: web.Application) -> None:
    """Add the sign-in routes to the console's sub-application."""
    app.router.add_get("/login", login_form, name="login")
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_post("/language", language, name="language")
