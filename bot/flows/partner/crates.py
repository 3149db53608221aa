"""The partner's Crates screen: what is out in the unit, and the overdue households to visit.

One tap per household books a pickup visit on the next delivery evening (it appears on
that evening's run sheet) and asks the customer, in their own chat, why they stopped
ordering (bot/flows/partner/winback). The screen then updates in place: the household shows its
booked evening instead of the button. Ids in buttons are signed for this chat and
checked again against the partner's unit in core, so a forged or foreign one reads as
an expired button and books nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.partner.home import PartnerScreen, home_button, partner_button, partner_screen
from bot.flows.partner.winback import OPT_OUT_TOPIC, ask_why_stopped
from bot.flows.replies import InlineButton
from bot.flows.router import expired
from bot.messages.counts import crates_text
from core.errors import CrateError, NotFound
from core.models import Partner
from core.partners.winback import OverdueRow, crates_out, overdue_page, schedule_visit
from core.people.customers import customer_by_id, opt_outs
from core.people.units import building_by_id

PER_PAGE = 6


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


@payload("pk1")
@dataclass(frozen=True)
class CratesVisit:
    """Schedule a pickup visit to that household; ``page`` is the list page to show again."""

    customer_id: int
    page: int = 0


def _address(building_label: str | None, room: str | None) -> str:
    """ "2栋 301" """
    return " ".join(part for part in (building_label, room) if part)


def door(ctx: Ctx, row: OverdueRow) -> str:
    """ "2栋 301 张阿姨": where they live and the name they gave."""
    parts = [row.building_label, row.room, row.display_name or ctx._("a customer")]
    return " ".join(part for part in parts if part)


def _line(ctx: Ctx, row: OverdueRow) -> str:
    """One overdue household: door, crates held, days since, and its booked visit if any."""
    parts = [
        door(ctx, row),
        crates_text(ctx.t, row.crates),
        ctx.t.ngettext("{num} day", "{num} days", row.days_out).format(num=row.days_out),
    ]
    if row.booked_on is not None:
        parts.append(
            ctx._("🚚 visit booked for {day}").format(day=ctx.t.weekday_date(row.booked_on))
        )
    return " · ".join(parts)


@partner_screen("crates", _("📦 Crates"), 60)
async def show_crates(ctx: Ctx, partner: Partner, page: int) -> None:
    """Crates out, the households holding them, then the overdue ones a page at a time."""
    await _screen(ctx, partner, page)


async def _screen(ctx: Ctx, partner: Partner, page: int, *, note: str | None = None) -> None:
    """The Crates screen, with an optional note on top (what the last tap did)."""
    out = await crates_out(ctx.uow, partner.unit_id)
    parts = [note] if note else []
    if out.crates <= 0:
        parts.append(
            ctx._("📦 No crates out in your unit right now: every crate is back. Well done!")
        )
        ctx.show("\n\n".join(parts), ((home_button(ctx),),))
        return
    parts.append(
        ctx._("📦 Out in your unit: {crates}, with {households}.").format(
            crates=crates_text(ctx.t, out.crates),
            households=ctx.t.ngettext("{num} household", "{num} households", out.households).format(
                num=out.households
            ),
        )
    )
    days = ctx.uow.settings.crate_overdue_days
    found = await overdue_page(ctx.uow, partner.unit_id, page=page, per_page=PER_PAGE)
    if not found.rows:
        parts.append(
            ctx._(
                "No household is overdue: crates come back with the next delivery, and none "
                "has been out {days} days without a new order."
            ).format(days=days)
        )
        ctx.show("\n\n".join(parts), ((home_button(ctx),),))
        return
    head = ctx.t.ngettext(
        "⏰ Overdue ({days}+ days, no new order): {num} household.",
        "⏰ Overdue ({days}+ days, no new order): {num} households.",
        found.total,
    ).format(days=days, num=found.total)
    lines = [head, *(_line(ctx, row) for row in found.rows)]
    if found.pages > 1:
        lines.append(ctx._("Page {page} of {pages}").format(page=found.page + 1, pages=found.pages))
    parts.append("\n".join(lines))
    rows: list[tuple[InlineButton, ...]] = [
        (
            ctx.button(
                ctx._("🚚 Schedule pickup visit · {door}").format(
                    door=_address(row.building_label, row.room) or door(ctx, row)
                ),
                CratesVisit(row.customer_id, found.page),
            ),
        )
        for row in found.rows
        if row.booked_on is None
    ]
    paging = []
    if found.page > 0:
        paging.append(ctx.button("◀️", PartnerScreen("crates", found.page - 1)))
    if found.page < found.pages - 1:
        paging.append(ctx.button("▶️", PartnerScreen("crates", found.page + 1)))
    if paging:
        rows.append(tuple(paging))
    rows.append((home_button(ctx),))
    ctx.show("\n\n".join(parts), tuple(rows))


async def _where(ctx: Ctx, customer_id: int) -> str:
    """The household's door for a note: "2栋 301"."""
    customer = await customer_by_id(ctx.uow, customer_id)
    if customer is None:
        return ""
    building = await building_by_id(ctx.uow, customer.building_id)
    where = _address(building.label if building else None, customer.room)
    return where or customer.display_name or ctx._("a customer")


@partner_button(CratesVisit)
async def book_visit(ctx: Ctx, partner: Partner, item: CratesVisit) -> None:
    """Book the visit, ask the customer why they stopped, and show the list again."""
    try:
        visit = await schedule_visit(ctx.uow, partner, item.customer_id)
    except NotFound:  # another unit's household, or none: this button never existed here
        await expired(ctx)
        return
    except CrateError as refused:
        if refused.data.get("reason") != "no_crates":
            raise
        note = ctx._("{door} has no crates out any more: nothing to fetch.").format(
            door=await _where(ctx, item.customer_id)
        )
        await _screen(ctx, partner, item.page, note=note)
        return
    where, day = await _where(ctx, visit.customer_id), ctx.t.weekday_date(visit.day)
    if not visit.created:
        note = ctx._("🚚 {door}: the visit is booked for {day} already.").format(
            door=where, day=day
        )
        await _screen(ctx, partner, item.page, note=note)
        return
    lines = [
        ctx._("✅ {door}: visit booked for {day}. It is on that evening's run sheet.").format(
            door=where, day=day
        )
    ]
    if await ask_why_stopped(ctx, visit.customer_id, partner, visit.day):
        lines.append(
            ctx._("We asked them why they stopped ordering; their answer will come to you here.")
        )
    elif OPT_OUT_TOPIC in await opt_outs(ctx.uow, visit.customer_id):
        lines.append(
            ctx._(
                "They chose not to get “we miss you” messages, so we did not ask why they "
                "stopped. You could ask at the door."
            )
        )
    else:
        lines.append(
            ctx._("They can't be reached in the bot, so we could not ask why they stopped.")
        )
    await _screen(ctx, partner, item.page, note="\n".join(lines))
