"""Units, their buildings and partners, over core/people/units.py (as ``linli unit add``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError, UnitHasActivePartner
from core.models import Building, Partner, PartnerDevice, Unit
from core.people.invites_print.links import qr_png
from core.people.partner_devices import devices_of, revoke_device
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
from core.people.web_tokens import ENROL_TTL, partner_enrolment_link
from core.platform.uow import UnitOfWork
from web.console import keys
from web.console.forms import Form, checked, clock_time, explain, text, whole
from web.console.qr import png_data_url
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
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    signin_link: str | None = None,
) -> web.Response:
    """One unit: its settings, buildings, partner and their devices, each with its form.

    ``signin_link``: a partner sign-in link just made (shown once, with its QR code).
    """
    db = context(request).db
    async with db.uow() as uow:
        try:
            unit = await unit_by_code(uow, request.match_info["code"])
        except DomainError:
            raise web.HTTPNotFound() from None
        buildings = await buildings_of(uow, unit.id)
        partner = await active_partner(uow, unit.id)
        devices = await devices_of(uow, partner.id) if partner is not None else []
        now = uow.clock.now()
    session = await get_session(request)
    return await page(
        request,
        "unit.html",
        status=status,
        unit=unit,
        buildings=buildings,
        partner=partner,
        devices=[(device, device_state(device, now)) for device in devices],
        signin_link=signin_link,
        signin_qr=png_data_url(qr_png(signin_link, scale=6)) if signin_link else None,
        signin_hours=int(ENROL_TTL.total_seconds() // 3600),
        error=error,
        flash=session.pop(FLASH, None),
    )


def device_state(device: PartnerDevice, now: object) -> str:
    """``active``, ``revoked`` or ``expired``: what HQ reads beside a device."""
    if device.revoked_at is not None:
        return "revoked"
    return "expired" if device.expires_at <= now else "active"  # type: ignore[operator]


async def signin_link(request: web.Request) -> web.Response:
    """A one-time partner sign-in (enrolment) link for the unit's partner, valid 24 hours."""
    code = request.match_info["code"]
    db = context(request).db
    async with db.uow() as uow:
        try:
            unit = await unit_by_code(uow, code)
        except DomainError:
            raise web.HTTPNotFound() from None
        partner = await active_partner(uow, unit.id)
        if partner is None:
            t = await page_translator(request)
            message = t.gettext("This unit has no partner: its customers cannot be served.")
            return await unit_page(request, status=400, error=message)
        link = await partner_enrolment_link(uow, partner)
        await uow.commit()
    log.info("HQ %s made a partner sign-in link for unit %s", request[keys.OPERATOR], code)
    return await unit_page(request, signin_link=link)


async def revoke(request: web.Request) -> web.StreamResponse:
    """Revoke a device of the unit's partner: that browser is signed out at its next request."""
    code = request.match_info["code"]
    try:
        device_id = int(request.match_info["device"])
    except ValueError:
        raise web.HTTPNotFound() from None
    await request.post()  # the form token was checked by the console's middleware
    db = context(request).db
    async with db.uow() as uow:
        try:
            unit = await unit_by_code(uow, code)
        except DomainError:
            raise web.HTTPNotFound() from None
        device = await uow.session.get(PartnerDevice, device_id)
        owner = await uow.session.get(Partner, device.partner_id) if device else None
        if device is None or owner is None or owner.unit_id != unit.id:
            raise web.HTTPNotFound()
        await revoke_device(uow, device_id)
        await uow.commit()
    log.info("HQ %s revoked partner device %s of unit %s", request[keys.OPERATOR], device_id, code)
    session = await get_session(request)
    session[FLASH] = "device"
    raise web.HTTPSeeOther(f"{keys.PREFIX}/units/{code}")


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
    app.router.add_post("/units/{code}/partner/link", signin_link)
    app.router.add_post("/units/{code}/devices/{device}/revoke", revoke)
