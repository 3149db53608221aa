"""The HQ console under /admin: sign-in, then catalog, deals, promotions, units,
broadcasts, statements, the suspicious list and reports, each page over the same core
services as the CLI.

``mount(app, ctx)`` is what ``linli serve`` calls; the console is a sub-application, so
its CSRF and sign-in guard never touches the chat's or the webhook's routes. It must not
import app/.
"""

from __future__ import annotations

from aiohttp import web

from web.console import keys
from web.console.auth import guard
from web.console.pages import (
    broadcasts,
    catalog,
    deals,
    home,
    login,
    promos,
    reports,
    statements,
    suspicious,
    units,
)
from web.console.render import setup
from web.context import WebContext


def console_app(ctx: WebContext) -> web.Application:
    """The console's sub-application (routes relative to /admin)."""
    admin = web.Application(middlewares=[guard])
    login.install_limiters(admin, ctx.db.clock, ctx.db.settings)
    setup(admin)
    areas = (
        login,
        home,
        catalog,
        deals,
        promos,
        units,
        broadcasts,
        statements,
        suspicious,
        reports,
    )
    for area in areas:
        area.routes(admin)
    return admin


def mount(app: web.Application, ctx: WebContext) -> None:
    """Put the console under /admin of ``linli serve``'s application."""

    async def to_console(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{keys.PREFIX}/")

    app.router.add_get(keys.PREFIX, to_console)
    app.add_subapp(keys.PREFIX, console_app(ctx))
