"""The partner's Tonight screen: the evening's pick list, then the run sheet a few doors a page.

The evening is today's business date; the pick list is final once the unit's cutoff has
passed (orders after it go to tomorrow). Tapping a door opens it (partner_tonight_stop).
"""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.customer.shelf import english
from bot.flows.partner.home import (
    PartnerScreen,
    home_button,
    partner_button,
    partner_screen,
    rows_of_two,
)
from bot.flows.partner.tonight_payloads import TonightGo, TonightRun, TonightStop
from bot.flows.replies import InlineButton
from core.delivery.batches import PickItem, Stop, StopLine, pick_list, run_sheet
from core.delivery.run_news import NOT_YET_OUT
from core.models import Partner
from core.orders.delivery_date import cutoff_instant
from core.people.units import unit_by_id
from core.platform.clock import local_now

STOPS_PER_PAGE = 4


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


def tonight(ctx: Ctx) -> dt.date:
    """The evening being delivered: today, in business time."""
    return local_now(ctx.uow.clock, ctx.uow.settings.tz).date()


def line_text(ctx: Ctx, line: StopLine | PickItem) -> str:
    """ "• 可口可乐 × 3 瓶" in the partner's language."""
    name, unit = (line.name_en, line.unit_en) if english(ctx) else (line.name_zh, line.unit_zh)
    return f"• {name} × {line.quantity} {unit}"


def door(ctx: Ctx, stop: Stop) -> str:
    """Where the stop is: "2栋 301"."""
    return " ".join(part for part in (stop.building_label, stop.room) if part) or ctx._(
        "(no address)"
    )


def mark(stop: Stop) -> str:
    """A glanceable state: delivered, absent, crates only, still to go."""
    if stop.status == "delivered":
        return "✅"
    if stop.absent:
        return "🚪"
    return "📦" if stop.kind == "pickup" else "▫️"


@partner_screen("tonight", _("🚚 Tonight"), 10)
async def show_pick_list(ctx: Ctx, partner: Partner, page: int) -> None:
    """What to take off the shelves for tonight, and whether more orders may still come."""
    day = tonight(ctx)
    unit = await unit_by_id(ctx.uow, partner.unit_id)
    assert unit is not None  # an active partner always has a unit
    picks = await pick_list(ctx.uow, partner.unit_id, day)
    closes = cutoff_instant(day, unit.cutoff, ctx.uow.settings.tz)
    parts = [
        ctx.t.ngettext(
            "Tonight, {day}: {num} order.", "Tonight, {day}: {num} orders.", picks.order_count
        ).format(day=ctx.t.weekday_date(day), num=picks.order_count)
    ]
    if ctx.uow.clock.now() >= closes:
        parts.append(
            ctx._("Orders closed at {time}: this list is final.").format(time=ctx.t.time(closes))
        )
    else:
        parts.append(
            ctx._("Orders close at {time}: the list may still grow.").format(
                time=ctx.t.time(closes)
            )
        )
    if picks.items:
        parts.append(ctx._("To pick:") + "\n" + "\n".join(line_text(ctx, i) for i in picks.items))
    if picks.gifts:
        parts.append(ctx._("Gifts:") + "\n" + "\n".join(line_text(ctx, g) for g in picks.gifts))
    buttons = [ctx.button(ctx._("📋 Run sheet"), TonightRun(0)), home_button(ctx)]
    ctx.show("\n\n".join(parts), rows_of_two(buttons))


@partner_button(TonightRun)
async def show_run_sheet(ctx: Ctx, partner: Partner, item: TonightRun, note: str = "") -> None:
    """Tonight's doors in walking order, a page at a time, with what to carry home; while
    orders have not left, "🚚 Start the run" tells their households they are on the way."""
    sheet = await run_sheet(ctx.uow, partner.unit_id, tonight(ctx))
    pages = max(1, -(-len(sheet.stops) // STOPS_PER_PAGE))
    page = min(max(item.page, 0), pages - 1)
    shown = sheet.stops[page * STOPS_PER_PAGE : (page + 1) * STOPS_PER_PAGE]
    done = sum(1 for stop in sheet.stops if stop.status == "delivered")
    head = ctx._(
        "Run sheet: {done} of {num} orders delivered. Still to collect {amount}, crates {crates}."
    ).format(
        done=done,
        num=sheet.order_count,
        amount=ctx.t.money(sheet.amount_to_collect_fen),
        crates=sheet.crates_to_collect,
    )
    if not sheet.stops:
        head = ctx._("No doors tonight.")
    # A phone after 📞: a tel: link on the web page; Telegram links the bare number itself.
    lines = [
        f"{mark(stop)} {door(ctx, stop)} · {ctx.t.money(stop.amount_to_collect_fen)}"
        + (f" · 📞 {stop.phone}" if stop.phone else "")
        for stop in shown
    ]
    if pages > 1:
        lines.append(ctx._("Page {page} of {pages}").format(page=page + 1, pages=pages))
    buttons: list[InlineButton] = [
        ctx.button(f"{mark(stop)} {door(ctx, stop)}", stop_payload(stop, page)) for stop in shown
    ]
    if page > 0:
        buttons.append(ctx.button(ctx._("⬅️ Previous"), TonightRun(page - 1)))
    if page < pages - 1:
        buttons.append(ctx.button(ctx._("Next ➡️"), TonightRun(page + 1)))
    buttons += [ctx.button(ctx._("🧺 Pick list"), PartnerScreen("tonight")), home_button(ctx)]
    rows = rows_of_two(buttons)
    if any(stop.kind == "order" and stop.status in NOT_YET_OUT for stop in sheet.stops):
        rows = ((ctx.button(ctx._("🚚 Start the run"), TonightGo(page)),), *rows)
    text = "\n\n".join(part for part in (note, head, "\n".join(lines)) if part)
    ctx.show(text.strip(), rows)


def stop_payload(stop: Stop, page: int) -> TonightStop:
    """The button that opens a door (pickup-only doors carry no order)."""
    return TonightStop(stop.order_id or 0, stop.customer_id, page)
