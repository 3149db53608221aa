"""Units, their buildings and partners, over core/people/units.py (as ``linli unit add``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError, UnitHasActivePartner
from core.models import Building, Partner, Unit
from core.people.units import (
    active_partner,
    add_building,
    add_partner,
    buildings_of,
    create_unit,
    split_buildings,
    unit_by_code,
    update_unit,
)
from core.platform.uow import UnitOfWork
from web.console import keys
from web.console.forms import Form, checked, clock_time, explain, text, whole
from web.console.render import page, page_translator
from web.context import context

FLASH = "admin_flash"
log = logging.getLogger(__name__)
Change = Callable[[UnitOfWork, str, Form], Awaitable[None]]


async def units_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    """Every unit with its buildings count and active partner, and the new-unit form."""
    db = context(request).db
    async with db.uow() as uow:
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.code)))
        per_unit = select(Building.unit_id, func.count()).group_by(Building.unit_id)
        counts = {unit_id: n for unit_id, n in (await uow.session.execute(per_unit)).all()}
        partners = {
            p.unit_id: p
            for p in await uow.session.scalars(select(Partner).where(Partner.active.is_(True)))
        }
    session = await get_session(request)
    return await page(
        request,
        "units.html",
        status=status,
        units=units,
        counts=counts,
        partners=partners,
        error=error,
        form=form or {},
        flash=session.pop(FLASH, None),
    )


async def create(request: web.Request) -> web.StreamResponse:
    """Add a unit with its buildings in walking order."""
    form = await request.post()
    db = context(request).db
    try:
        async with db.uow() as uow:
            unit = await create_unit(
                uow,
                code=text(form, "code"),
                name_zh=text(form, "name_zh"),
                name_en=text(form, "name_en"),
                area=text(form, "area"),
                buildings=split_buildings(text(form, "buildings")),
            )
            await uow.commit()
    except DomainError as refusal:
        t = await page_translator(request)
        filled = {key: value for key, value in form.items() if isinstance(value, str)}
        return await units_page(request, status=400, error=explain(t, refusal), form=filled)
    log.info("HQ %s added unit %s", request[keys.OPERATOR], unit.code)
    raise web.HTTPSeeOther(f"{keys.PREFIX}/units/{unit.code}")


async def unit_page(
    request: web.Request, *, status: int = 200, error: str | None = None
) -> web.Response:
    """One unit: its settings, buildings and partner, each with its form."""
    db = context(request).db
    async with db.uow() as uow:
        try:
            unit = await unit_by_code(uow, request.match_info["code"])
        except DomainError:
            raise web.HTTPNotFound() from None
        buildings = await buildings_of(uow, unit.id)
        partner = await active_partner(uow, unit.id)
    session = await get_session(request)
    return await page(
        request,
        "unit.html",
        status=status,
        unit=unit,
        buildings=buildings,
        partner=partner,
        error=error,
        flash=session.pop(FLASH, None),
    )


async def _change(request: web.Request, work: Change, done: str) -> web.StreamResponse:
    """Run one change to the unit in the URL; a refusal shows the unit page with the reason."""
    code = request.match_info["code"]
    db = context(request).db
    form = await request.post()
    try:
        async with db.uow() as uow:
            await work(uow, code, form)
            await uow.commit()
    except UnitHasActivePartner:
        t = await page_translator(request)
        message = t.gettext("The unit has an active partner: tick “replace” to retire them.")
        return await unit_page(request, status=400, error=message)
    except IntegrityError:
        t = await page_translator(request)
        message = t.gettext("That Telegram id already belongs to another partner.")
        return await unit_page(request, status=400, error=message)
    except DomainError as refusal:
        t = await page_translator(request)
        return await unit_page(request, status=400, error=explain(t, refusal))
    log.info("HQ %s changed unit %s: %s", request[keys.OPERATOR], code, done)
    session = await get_session(request)
    session[FLASH] = done
    raise web.HTTPSeeOther(f"{keys.PREFIX}/units/{code}")


async def _edit(uow: UnitOfWork, code: str, form: Form) -> None:
    """The unit's names, area and times."""
    await update_unit(
        uow,
        code,
        name_zh=text(form, "name_zh"),
        name_en=text(form, "name_en"),
        area=text(form, "area"),
        cutoff=clock_time(form, "cutoff"),
        window_start=clock_time(form, "window_start"),
        window_end=clock_time(form, "window_end"),
        active=checked(form, "active"),
    )


async def _building(uow: UnitOfWork, code: str, form: Form) -> None:
    """One more building, at the end of the walk."""
    await add_building(uow, code, text(form, "label"))


async def _partner(uow: UnitOfWork, code: str, form: Form) -> None:
    """The unit's partner (the previous one retires only when ``replace`` is ticked)."""
    await add_partner(
        uow,
        unit_code=code,
        name=text(form, "name"),
        telegram_id=whole(form, "telegram_id"),
        phone=text(form, "phone") or None,
        wechat=text(form, "wechat") or None,
        replace=checked(form, "replace"),
    )


async def edit(request: web.Request) -> web.StreamResponse:
    """Save the unit's settings."""
    return await _change(request, _edit, "unit")


async def building(request: web.Request) -> web.StreamResponse:
    """Add a building."""
    return await _change(request, _building, "building")


async def partner(request: web.Request) -> web.StreamResponse:
    """Add or replace the partner."""
    return await _change(request, _partner, "partner")


async def show(request: web.Request) -> web.Response:
    """The unit page (a GET)."""
    return await unit_page(request)


async def listing(request: web.Request) -> web.Response:
    """The units page (a GET)."""
    return await units_page(request)


def routes(app: web.Application) -> None:
    """Add the unit pages."""
    app.router.add_get("/units", listing, name="units")
    app.router.add_post("/units", create)
    app.router.add_get("/units/{code}", show)
    app.router.add_post("/units/{code}", edit)
    app.router.add_post("/units/{code}/buildings", building)
    app.router.add_post("/units/{code}/partner", partner)
