"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import datetime as dt
import math

from aiohttp import web
from aiohttp_session import get_session

from bot.i18n import supported_locale
from core.operators import authenticate, normalise_username
from web.console import keys
from web.console.auth import login_redirect, sign_in, sign_out
from web.console.render import page, page_translator
from web.console.throttle import FailureLimiter
from web.context import context

LIMITER = web.AppKey("console_limiter", FailureLimiter)


def limiter_for(request: web.Request) -> FailureLimiter:
    """The sign-in limiter of this application."""
    return request.config_dict[LIMITER]


async def login_form(request: web.Request) -> web.Response:
    """The sign-in page (straight to the console when already signed in)."""
    session = await get_session(request)
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
    limiter = limiter_for(request)
    user_key, ip_key = f"user:{username}", f"ip:{_address(request)}"
    t = await page_translator(request)
    wait = limiter.retry_after(user_key, ip_key)
    if wait is not None:
        minutes = max(1, math.ceil(wait / dt.timedelta(minutes=1)))
        error = t.ngettext(
            "Too many wrong passwords. Try again in %(n)d minute.",
            "Too many wrong passwords. Try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        return await page(request, "login.html", status=429, notice=None, error=error,
                          username=username)  # fmt: skip
    db = context(request).db
    async with db.uow() as uow:
        operator = await authenticate(uow, username, password)
        if operator is not None:
            await uow.commit()
    if operator is None:
        limiter.failed(user_key, ip_key)
        error = t.gettext("Wrong username or password.")
        return await page(request, "login.html", status=401, notice=None, error=error,
                          username=username)  # fmt: skip
    limiter.succeeded(user_key)
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
