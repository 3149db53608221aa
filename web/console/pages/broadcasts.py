"""City-wide broadcasts: compose, preview, schedule (core.messaging.notices, as ``linli broadcast``)
and each broadcast's outbox progress (sent, blocked, failed, opted out), refreshing."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from aiohttp import web
from sqlalchemy import select

from bot.flows.state import signing_key
from bot.messages.notices import HQ_HEADINGS, NOBODY, notice_renderer, notice_text, reach_text
from core.errors import DomainError, InvalidInput
from core.messaging.notices import (
    MAX_TEXT,
    NOTICE_KINDS,
    Audience,
    NoticeProgress,
    WholeCity,
    WholeUnit,
    audience_size,
    cancel_notice,
    check_kind,
    check_send_at,
    check_text,
    notice_progress,
    recent_notices,
    schedule_notice,
)
from core.models import Unit
from core.platform.config import SUPPORTED_LOCALES
from core.platform.uow import Database, UnitOfWork
from web.console import keys
from web.console.forms import Form, explain, text
from web.console.render import page, page_translator
from web.context import context

log = logging.getLogger(__name__)
AT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def _at(db: Database, form: Form) -> dt.datetime | None:
    """The send time in business time (None: now)."""
    raw = text(form, "at")
    if not raw:
        return None
    try:
        naive = dt.datetime.strptime(raw, AT_FORMAT)
    except ValueError:
        raise InvalidInput(field="send_at", reason="a time like 2026-11-24T08:00") from None
    return naive.replace(tzinfo=db.settings.tz)


async def _audience(uow: UnitOfWork, form: Form) -> tuple[Audience, Unit | None]:
    """City-wide, or every household of one unit."""
    if text(form, "audience") != "unit":
        return WholeCity(), None
    code = text(form, "unit")
    unit = await uow.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise InvalidInput(field="unit", reason="choose a unit")
    return WholeUnit(unit.id), unit


async def _units(db: Database) -> list[Unit]:
    """Units to pick an audience from."""
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(Unit).order_by(Unit.code)))


async def broadcasts_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    """The compose form and HQ's latest broadcasts with their progress."""
    db = context(request).db
    async with db.uow() as uow:
        notices = await recent_notices(uow, None)
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.code)))
    return await page(
        request,
        "broadcasts.html",
        status=status,
        notices=notices,
        units=units,
        unit_codes={u.id: u.code for u in units},
        kinds=NOTICE_KINDS,
        headings=HQ_HEADINGS,
        max_text=MAX_TEXT,
        error=error,
        form=form or {},
    )


async def listing(request: web.Request) -> web.Response:
    """The broadcasts page (a GET)."""
    return await broadcasts_page(request)


def _filled(form: Form) -> dict[str, str]:
    """The form's text fields, to show again."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def preview(request: web.Request) -> web.Response:
    """What each language's households will read and how many will get it, before sending."""
    form = await request.post()
    db = context(request).db
    try:
        kind = check_kind(text(form, "kind"))
        words = check_text(text(form, "text"))
        async with db.uow() as uow:
            when = check_send_at(uow, _at(db, form))
            audience, unit = await _audience(uow, form)
            size = await audience_size(uow, None, audience, kind)
    except DomainError as refusal:
        t = await page_translator(request)
        return await broadcasts_page(
            request, status=400, error=explain(t, refusal), form=_filled(form)
        )
    copies = [(locale, notice_text(locale, kind, words, hq=True)) for locale in SUPPORTED_LOCALES]
    t = await page_translator(request)
    return await page(
        request,
        "broadcast_preview.html",
        kind=kind,
        words=words,
        unit=unit,
        size=size,
        reach=reach_text(t, size.web, size.telegram),
        nobody=t.gettext(NOBODY) if size.nobody else None,
        when=when,
        at=text(form, "at"),
        copies=copies,
        key=secrets.token_hex(8),
        quiet_override=kind == "outage",
    )


async def schedule(request: web.Request) -> web.StreamResponse:
    """Schedule the previewed notice; the same confirmation twice schedules it once."""
    form = await request.post()
    db = context(request).db
    key = text(form, "key")
    if not key.isalnum() or len(key) > 32:
        raise web.HTTPBadRequest(text="missing confirmation key")
    render = notice_renderer(await signing_key(db), hq=True)
    try:
        async with db.uow() as uow:
            audience, _unit = await _audience(uow, form)
            made = await schedule_notice(
                uow,
                partner=None,
                kind=text(form, "kind"),
                text=text(form, "text"),
                photo_ref=None,
                audience=audience,
                send_at=_at(db, form),
                idempotency_key=f"notice:hq:console:{key}",
                render=render,
            )
            await uow.commit()
    except DomainError as refusal:
        t = await page_translator(request)
        return await broadcasts_page(
            request, status=400, error=explain(t, refusal), form=_filled(form)
        )
    log.info(
        "HQ %s scheduled broadcast %s to %s households",
        request[keys.OPERATOR],
        made.broadcast_id,
        made.will_receive,
    )
    raise web.HTTPSeeOther(f"{keys.PREFIX}/broadcasts/{made.broadcast_id}")


async def _progress(request: web.Request) -> NoticeProgress:
    """The broadcast in the URL with its counts, or 404."""
    async with context(request).db.uow() as uow:
        try:
            return await notice_progress(uow, None, int(request.match_info["id"]))
        except DomainError:
            raise web.HTTPNotFound() from None


async def progress_page(request: web.Request) -> web.Response:
    """One broadcast's outbox counts; the page refreshes itself until nothing is pending."""
    found = await _progress(request)
    units = {u.id: u for u in await _units(context(request).db)}
    return await page(request, "broadcast.html", notice=found, units=units)


async def progress_json(request: web.Request) -> web.Response:
    """The counts as JSON, for polling."""
    found = await _progress(request)
    p = found.progress
    body = {
        "id": found.broadcast_id,
        "status": found.status,
        "total": p.total,
        "sent": p.sent,
        "blocked": p.blocked,
        "failed": p.failed,
        "opted_out": p.opted_out,
        "pending": p.pending,
        "cancelled": p.cancelled,
        "finished": p.finished,
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel a broadcast still sending; copies already sent stay sent."""
    db = context(request).db
    broadcast_id = int(request.match_info["id"])
    try:
        async with db.uow() as uow:
            await cancel_notice(uow, None, broadcast_id)
            await uow.commit()
        log.info("HQ %s cancelled broadcast %s", request[keys.OPERATOR], broadcast_id)
    except DomainError:
        pass  # already finished or cancelled: the progress page says so
    raise web.HTTPSeeOther(f"{keys.PREFIX}/broadcasts/{broadcast_id}")


def routes(app: web.Application) -> None:
    """Add the broadcast pages."""
    app.router.add_get("/broadcasts", listing, name="broadcasts")
    app.router.add_post("/broadcasts/preview", preview)
    app.router.add_post("/broadcasts", schedule)
    app.router.add_get(r"/broadcasts/{id:\d+}", progress_page)
    app.router.add_get(r"/broadcasts/{id:\d+}.json", progress_json)
    app.router.add_post(r"/broadcasts/{id:\d+}/cancel", cancel)
