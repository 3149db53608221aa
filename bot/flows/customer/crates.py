"""Crates: how many of our crates are at home, and an evening for the partner to fetch them."""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.customer.menu import label, section
from bot.flows.partner.pings import partner_t, ping_partner_of
from bot.flows.payloads import Crates, Menu
from bot.flows.replies import InlineButton
from bot.flows.router import on_button
from core.delivery.crates import balance, open_pickups, schedule_pickup
from core.models import Unit
from core.people.units import building_by_id, unit_by_id
from core.platform.clock import local_now

BOOKABLE_DAYS = 3  # tonight, tomorrow, the day after


@section("crates")
async def show_crates(ctx: Ctx) -> None:
    """The crates screen from the main menu."""
    await _screen(ctx)


@on_button(Crates)
async def crates_button(ctx: Ctx, item: Crates) -> None:
    """Book an evening, or look again."""
    if item.action == "book" and 0 <= item.days < BOOKABLE_DAYS:
        await _book(ctx, item.days)
        return
    await _screen(ctx)


async def _unit(ctx: Ctx) -> Unit | None:
    """The customer's unit: its evening window is when pickups happen."""
    if ctx.customer.unit_id is None:
        return None
    return await unit_by_id(ctx.uow, ctx.customer.unit_id)


def _window(ctx: Ctx, unit: Unit) -> str:
    """The unit's evening window, "18:00–21:00"."""
    return f"{ctx.t.time(unit.window_start)}–{ctx.t.time(unit.window_end)}"


def _when(ctx: Ctx, day: dt.date, today: dt.date) -> str:
    """Tonight, tomorrow, or the date, in words."""
    if day == today:
        return ctx._("tonight")
    if day == today + dt.timedelta(days=1):
        return ctx._("tomorrow ({day})").format(day=ctx.t.weekday_date(day))
    return ctx.t.weekday_date(day)


def _label(ctx: Ctx, day: dt.date, today: dt.date) -> str:
    """A button for an evening: "Tonight", "Tomorrow (Tue, Nov 24)", "Wed, Nov 25"."""
    if day == today:
        return ctx._("Tonight")
    if day == today + dt.timedelta(days=1):
        return ctx._("Tomorrow ({day})").format(day=ctx.t.weekday_date(day))
    return ctx.t.weekday_date(day)


async def _screen(ctx: Ctx) -> None:
    """Crates held, pickups booked, and the evenings to choose from."""
    ctx.chat.go("idle")
    held = await balance(ctx.uow, ctx.customer.id)
    unit = await _unit(ctx)
    now = local_now(ctx.uow.clock, ctx.uow.settings.tz)
    today = now.date()
    parts: list[str] = []
    if held > 0:
        parts.append(
            ctx.t.ngettext(
                "You have {num} Linli crate at home.",
                "You have {num} Linli crates at home.",
                held,
            ).format(num=held)
        )
    else:
        parts.append(
            ctx._(
                "You don't have any of our crates at home right now. Crates come with each "
                "delivery, and your partner takes them back next time."
            )
        )
    booked = {pickup.pickup_date for pickup in await open_pickups(ctx.uow, ctx.customer.id)}
    if unit is not None:
        parts.extend(
            ctx._("Pickup booked: {when}, {window}.").format(
                when=_when(ctx, day, today), window=_window(ctx, unit)
            )
            for day in sorted(booked)
        )
    rows: list[tuple[InlineButton, ...]] = []
    if held > 0 and unit is not None:
        parts.append(ctx._("Your partner can come and take them back. Which evening suits you?"))
        first = 0 if now.time() < unit.window_end else 1
        for days in range(first, BOOKABLE_DAYS):
            day = today + dt.timedelta(days=days)
            label = _label(ctx, day, today)
            if day in booked:
                label = "✓ " + label
            rows.append((ctx.button(label, Crates("book", days)),))
    rows.append((ctx.button(ctx._("⬅️ Menu"), Menu("menu")),))
    ctx.show("\n\n".join(parts), tuple(rows))


async def _ping_partner(ctx: Ctx, unit: Unit, day: dt.date, today: dt.date) -> None:
    """ "🧺 Crate pickup: 12-1203 asks you to fetch 3 crates tomorrow" to the partner."""
    pt = partner_t(ctx)
    held = await balance(ctx.uow, ctx.customer.id)
    building = await building_by_id(ctx.uow, ctx.customer.building_id or 0)
    door = "-".join(p for p in (building.label if building else None, ctx.customer.room) if p)
    when = pt.weekday_date(day)
    text = pt.ngettext(
        "🧺 Crate pickup: {door} asks you to fetch {num} crate on {when}.",
        "🧺 Crate pickup: {door} asks you to fetch {num} crates on {when}.",
        held,
    ).format(door=door or "?", num=held, when=when)
    await ping_partner_of(ctx, unit.id, text)


async def _book(ctx: Ctx, days: int) -> None:
    """Book the evening; refusals (no crates, window over) are explained by the router."""
    today = local_now(ctx.uow.clock, ctx.uow.settings.tz).date()
    day = today + dt.timedelta(days=days)
    booked = {pickup.pickup_date for pickup in await open_pickups(ctx.uow, ctx.customer.id)}
    await schedule_pickup(ctx.uow, customer_id=ctx.customer.id, day=day)
    unit = await _unit(ctx)
    assert unit is not None  # schedule_pickup refuses a customer without a unit
    if day not in booked:  # a new booking, not a second tap on the same evening
        await _ping_partner(ctx, unit, day, today)
    ctx.show(
        ctx._(
            "Booked! Your partner will come for your crates {when}, {window}. "
            "Please have them ready by your door."
        ).format(when=_when(ctx, day, today), window=_window(ctx, unit)),
        (
            (
                ctx.button(label(ctx, "crates"), Crates("view")),
                ctx.button(ctx._("⬅️ Menu"), Menu("menu")),
            ),
        ),
    )
