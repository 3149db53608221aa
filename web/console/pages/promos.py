"""Promo codes and coupons: create, pause/resume, redemptions against caps (orders.promo_admin)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import select

from core.errors import DomainError
from core.models import Unit
from core.orders.promo_admin import (
    BENEFITS,
    KINDS,
    NewPromotion,
    create_promotion,
    promotions_with_usage,
    set_active,
)
from web.console import keys
from web.console.forms import checked, day_start, explain, text, whole, yuan
from web.console.render import page, page_translator
from web.context import context

FLASH = "admin_flash"
log = logging.getLogger(__name__)


async def _page(
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    """The list and the new-promotion form (kept filled in after a refusal)."""
    db = context(request).db
    async with db.uow() as uow:
        usage = await promotions_with_usage(uow)
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.code)))
    session = await get_session(request)
    return await page(
        request,
        "promos.html",
        status=status,
        usage=usage,
        units=units,
        unit_codes={unit.id: unit.code for unit in units},
        benefits=BENEFITS,
        kinds=KINDS,
        error=error,
        flash=session.pop(FLASH, None),
        form=form or {},
    )


async def promos_page(request: web.Request) -> web.Response:
    """Every promotion with its redemptions, and the form for a new one."""
    return await _page(request)


async def create(request: web.Request) -> web.StreamResponse:
    """Create a promotion from the form; a refusal shows the form again with the reason."""
    form = await request.post()
    db = context(request).db
    tz = db.settings.tz
    try:
        spec = NewPromotion(
            code=text(form, "code"),
            kind=text(form, "kind") or "code",
            name_zh=text(form, "name_zh"),
            name_en=text(form, "name_en"),
            benefit=text(form, "benefit"),
            amount_off_fen=yuan(form, "amount_off_yuan"),
            percent_off=whole(form, "percent_off"),
            product_sku=text(form, "product_sku") or None,
            fixed_price_fen=yuan(form, "fixed_price_yuan"),
            min_spend_fen=yuan(form, "min_spend_yuan") or 0,
            per_customer_limit=whole(form, "per_customer_limit", default=1) or 1,
            total_cap=whole(form, "total_cap"),
            first_order_only=checked(form, "first_order_only"),
            unit_code=text(form, "unit") or None,
            valid_from=day_start(form, "valid_from", tz),
            valid_until=day_start(form, "valid_until", tz, days_after=1),
        )
        async with db.uow() as uow:
            promotion = await create_promotion(uow, spec)
            await uow.commit()
    except DomainError as refusal:
        t = await page_translator(request)
        filled = {key: value for key, value in form.items() if isinstance(value, str)}
        return await _page(request, status=400, error=explain(t, refusal), form=filled)
    log.info("HQ %s created promotion %s", request[keys.OPERATOR], promotion.code)
    session = await get_session(request)
    session[FLASH] = promotion.code
    raise web.HTTPSeeOther(f"{keys.PREFIX}/promos")


async def _switch(request: web.Request, active: bool) -> web.StreamResponse:
    """Pause or resume the promotion in the URL."""
    db = context(request).db
    try:
        async with db.uow() as uow:
            await set_active(uow, int(request.match_info["id"]), active)
            await uow.commit()
    except DomainError:
        raise web.HTTPNotFound() from None
    verb = "resumed" if active else "paused"
    log.info("HQ %s %s promotion %s", request[keys.OPERATOR], verb, request.match_info["id"])
    raise web.HTTPSeeOther(f"{keys.PREFIX}/promos")


async def pause(request: web.Request) -> web.StreamResponse:
    """Stop a promotion applying (codes typed now are refused as unknown)."""
    return await _switch(request, False)


async def resume(request: web.Request) -> web.StreamResponse:
    """Let a paused promotion apply again."""
    return await _switch(request, True)


def routes(app: web.Application) -> None:
    """Add the promotion pages."""
    app.router.add_get("/promos", promos_page, name="promos")
    app.router.add_post("/promos", create)
    app.router.add_post(r"/promos/{id:\d+}/pause", pause)
    app.router.add_post(r"/promos/{id:\d+}/resume", resume)
