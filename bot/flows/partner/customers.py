"""The partner's Customers screen: the unit's households a page at a time, a card, a message.

No typing but the message itself: the list pages with ◀️ / ▶️, each household opens with
one tap, and "Write to them" takes the next text or photo to that customer only, through
the same relay as answers (partner_relay). Every id in a button is signed for this chat
and checked again against the partner's unit (core/partners/customers), so a forged or
foreign card reads as an expired button and shows nothing. Household flags appear only
with the customer's consent; their chat account never appears at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.customer.orders import STATUS_SHORT
from bot.flows.partner.home import PartnerScreen, home_button, partner_button, partner_screen
from bot.flows.partner.relay import relay_partner_answer, sending_partner
from bot.flows.replies import InlineButton, InlineKeyboard
from bot.flows.router import expired, on_step
from bot.messages.counts import crates_text
from core.errors import NotFound
from core.models import Partner
from core.partners.customers import CustomerCard, CustomerRow, customer_card, unit_customers

WRITE_STEP = "partner_write"
PER_PAGE = 8


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


FLAG_LABELS = {
    "elderly": _("👴 elderly"),
    "children": _("🧒 children"),
    "pregnant": _("🤰 pregnant"),
}


@payload("pc2")
@dataclass(frozen=True)
class CustomerOpen:
    """A household's card; ``page`` is the list page to go back to."""

    customer_id: int
    page: int = 0


@payload("pc3")
@dataclass(frozen=True)
class CustomerWrite:
    """Write to that household: the next message goes to them."""

    customer_id: int
    page: int = 0


def door(ctx: Ctx, who: CustomerRow | CustomerCard) -> str:
    """ "3栋 1201 张阿姨": where they live and the name they gave."""
    parts = [who.building_label, who.room, who.display_name or ctx._("a customer")]
    return " ".join(part for part in parts if part)


def flags_text(ctx: Ctx, flags: tuple[str, ...]) -> str:
    """ "👴 elderly · 🧒 children" (only the flags the customer agreed to share)."""
    return " · ".join(ctx._(FLAG_LABELS[flag]) for flag in flags if flag in FLAG_LABELS)


def _line(ctx: Ctx, row: CustomerRow) -> str:
    """One household at a glance: door, last order, crates out, flags."""
    parts = [door(ctx, row)]
    if row.last_order_on is None:
        parts.append(ctx._("no order yet"))
    else:
        parts.append(ctx._("last order {day}").format(day=f"{row.last_order_on:%m-%d}"))
    if row.crates_out > 0:
        parts.append(crates_text(ctx.t, row.crates_out))
    if row.flags:
        parts.append(flags_text(ctx, row.flags))
    return " · ".join(parts)


def _list_button(ctx: Ctx, page: int) -> InlineButton:
    """Back to the list where the partner left it."""
    return ctx.button(ctx._("👥 Back to the list"), PartnerScreen("customers", page))


@partner_screen("customers", _("👥 Customers"), 20)
async def show_customers(ctx: Ctx, partner: Partner, page: int) -> None:
    """The unit's households in walking order, one button each, a page at a time."""
    found = await unit_customers(ctx.uow, partner.unit_id, page=page, per_page=PER_PAGE)
    if not found.rows:
        ctx.show(
            ctx._(
                "No customers in your unit yet. Share your invite link: "
                "neighbours who open it appear here."
            ),
            (
                (ctx.button(ctx._("📣 Invite neighbours"), PartnerScreen("invite")),),
                (home_button(ctx),),
            ),
        )
        return
    head = ctx.t.ngettext(
        "👥 Your customers: {num} household.", "👥 Your customers: {num} households.", found.total
    ).format(num=found.total)
    lines = [head, "", *(_line(ctx, row) for row in found.rows)]
    if found.pages > 1:
        lines += [
            "",
            ctx._("Page {page} of {pages}").format(page=found.page + 1, pages=found.pages),
        ]
    rows: list[tuple[InlineButton, ...]] = [
        (ctx.button(door(ctx, row), CustomerOpen(row.customer_id, found.page)),)
        for row in found.rows
    ]
    paging = []
    if found.page > 0:
        paging.append(ctx.button("◀️", PartnerScreen("customers", found.page - 1)))
    if found.page < found.pages - 1:
        paging.append(ctx.button("▶️", PartnerScreen("customers", found.page + 1)))
    if paging:
        rows.append(tuple(paging))
    rows.append((home_button(ctx),))
    ctx.show("\n".join(lines), tuple(rows))


def _card_text(ctx: Ctx, card: CustomerCard) -> str:
    """Everything the partner may know of the household, in a few short lines."""
    lines = [f"👤 {door(ctx, card)}"]
    if card.phone:
        lines.append(f"📞 {card.phone}")
    lines.append(
        ctx.t.ngettext("{num} order", "{num} orders", card.orders).format(num=card.orders)
        + " · "
        + ctx._("crates out: {num}").format(num=card.crates_out)
    )
    for day in card.open_pickups:
        lines.append(ctx._("📦 Crate pickup booked for {day}").format(day=ctx.t.weekday_date(day)))
    if card.flags:
        lines.append(flags_text(ctx, card.flags))
    if card.last_orders:
        lines.append(ctx._("Last orders:"))
    for order in card.last_orders:
        status = ctx._(STATUS_SHORT.get(order.status, order.status))
        lines.append(
            f"· {order.order_no} · {order.placed_on:%m-%d} · "
            f"{ctx.t.money(order.total_fen)} · {status}"
        )
    return "\n".join(lines)


async def _own_card(ctx: Ctx, partner: Partner, customer_id: int) -> CustomerCard | None:
    """The card when the customer is of the partner's unit; None for anyone else."""
    try:
        return await customer_card(ctx.uow, partner, customer_id)
    except NotFound:
        return None


@partner_button(CustomerOpen)
async def open_card(ctx: Ctx, partner: Partner, item: CustomerOpen) -> None:
    """One household's card, with "write to them" and the way back to the same list page."""
    ctx.chat.go("idle")  # also how "cancel" leaves the writing step
    card = await _own_card(ctx, partner, item.customer_id)
    if card is None:
        await expired(ctx)
        return
    buttons = (
        (ctx.button(ctx._("✉️ Write to them"), CustomerWrite(card.customer_id, item.page)),),
        (_list_button(ctx, item.page), home_button(ctx)),
    )
    ctx.show(_card_text(ctx, card), buttons)


def _cancel(ctx: Ctx, customer_id: int, page: int) -> InlineKeyboard:
    """Leave the message unwritten and go back to the card."""
    return ((ctx.button(ctx._("✖️ Cancel"), CustomerOpen(customer_id, page)),),)


@partner_button(CustomerWrite)
async def ask_message(ctx: Ctx, partner: Partner, item: CustomerWrite) -> None:
    """Ask for the message; the next text or photo goes to this household only."""
    card = await _own_card(ctx, partner, item.customer_id)
    if card is None:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    ctx.chat.go(WRITE_STEP, customer=card.customer_id, page=item.page)
    ctx.show(
        ctx._(
            "✉️ Write your message to {door} (text or photo). It goes to them only, "
            "and they can answer you through “My partner”."
        ).format(door=door(ctx, card)),
        _cancel(ctx, card.customer_id, item.page),
    )


@on_step(WRITE_STEP)
async def message_written(ctx: Ctx) -> None:
    """Send it to that one customer, confirm, and offer the way back to their card."""
    customer_id, page = ctx.chat.data.get("customer"), ctx.chat.data.get("page", 0)
    partner = await sending_partner(ctx)
    card = None
    if partner is not None and isinstance(customer_id, int):
        card = await _own_card(ctx, partner, customer_id)
    if partner is None or card is None:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    page = page if isinstance(page, int) else 0
    back = ctx.button(
        ctx._("👤 Back to {door}").format(door=door(ctx, card)),
        CustomerOpen(card.customer_id, page),
    )
    sent = await relay_partner_answer(
        ctx,
        card.customer_id,
        partner,
        t=ctx.t,
        retry=_cancel(ctx, card.customer_id, page),
        after=((back,), (home_button(ctx),)),
    )
    if sent:
        ctx.chat.go("idle")
