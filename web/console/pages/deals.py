"""Today's deals zone as customers see it, with a warning below the promised 200 items."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from core.catalog.deals import MIN_DEALS, count_deals, deals_for
from core.platform.clock import local_now
from web.console.render import page
from web.context import context

PAGE_SIZE = 100


async def deals_page(request: web.Request) -> web.Response:
    """A day's deals (today by default), deepest saving first, 100 a page."""
    db = context(request).db
    today = local_now(db.clock, db.settings.tz).date()
    try:
        day = dt.date.fromisoformat(request.query.get("day", "") or today.isoformat())
    except ValueError:
        day = today
    try:
        number = max(1, int(request.query.get("page", "1")))
    except ValueError:
        number = 1
    async with db.uow() as uow:
        count = await count_deals(uow, day)
        rows = await deals_for(uow, day, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return await page(
        request,
        "deals.html",
        day=day,
        today=today,
        count=count,
        min_deals=MIN_DEALS,
        rows=rows,
        number=number,
        pages=max(1, -(-count // PAGE_SIZE)),
    )


def routes(app: web.Application) -> None:
    """Add the deals page."""
    app.router.add_get("/deals", deals_page, name="deals")
