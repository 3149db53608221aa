"""The console's start page: today's state at a glance and a way into every area."""

from __future__ import annotations

from aiohttp import web

from core.catalog.deals import MIN_DEALS, count_deals
from core.platform.clock import local_now
from web.console.render import page
from web.context import context


async def home(request: web.Request) -> web.Response:
    """Links to every area, with the deals count (HQ checks it every day)."""
    db = context(request).db
    today = local_now(db.clock, db.settings.tz).date()
    async with db.uow() as uow:
        deals = await count_deals(uow, today)
    return await page(request, "home.html", deals=deals, min_deals=MIN_DEALS, today=today)


def routes(app: web.Application) -> None:
    """Add the start page."""
    app.router.add_get("/", home, name="home")
