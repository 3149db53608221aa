"""One door of tonight's run: what to hand over and say, what to take back, and the taps.

Each tap goes to core/delivery/doorstep (which re-checks the ids against the partner's unit) and
the door is shown again in place. A door that is not on this partner's run sheet, or an
id of another unit, is answered as an expired button and changes nothing.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.shelf import english
from bot.flows.partner.home import partner_button, rows_of_two
from bot.flows.partner.tonight import door, line_text, tonight
from bot.flows.partner.tonight_news import after_delivery
from bot.flows.partner.tonight_payloads import TonightAct, TonightRun, TonightStop
from bot.flows.replies import Forward, InlineButton
from bot.flows.router import expired, t_for
from core.delivery.batches import Stop, run_sheet
from core.delivery.doorstep import (
    collect_crates,
    collected_here,
    confirm_household,
    household_confirmed,
    mark_absent,
    mark_delivered,
    mark_paid,
)
from core.errors import NotFound
from core.models import Order, Partner
from core.orders.history import order_by_id
from core.people.customers import customer_by_id, newest_identity

CRATE_CHOICES = (0, 1, 2, 3, 4)


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


SORRY_WE_MISSED_YOU = _(
    "Your partner {name} came by with your order tonight, but nobody was at home. "
    "No worries: they will be in touch about bringing it again."
)

DONE = {
    "d": _("Delivered. Thank you!"),
    "c": _("Paid in cash."),
    "t": _("Paid by transfer."),
    "k": _("Crates noted."),
    "a": _("Noted: nobody at home. The order stays on tonight's list."),
    "h": _("Household confirmed. Thank you!"),
}


async def _find(ctx: Ctx, partner: Partner, order_id: int, customer_id: int) -> Stop | None:
    """The door on this partner's run sheet tonight, if it is one."""
    sheet = await run_sheet(ctx.uow, partner.unit_id, tonight(ctx))
    for stop in sheet.stops:
        if (stop.order_id or 0) == order_id and stop.customer_id == customer_id:
            return stop
    return None


@partner_button(TonightStop)
async def open_stop(ctx: Ctx, partner: Partner, item: TonightStop) -> None:
    """A door from the run sheet."""
    await _show(ctx, partner, item.order_id, item.customer_id, item.page)


@partner_button(TonightAct)
async def act(ctx: Ctx, partner: Partner, item: TonightAct) -> None:
    """Delivered, paid, crates, absent: recorded once, then the door again with a note."""
    order_id = item.order_id or None
    try:
        if item.action == "k":
            await collect_crates(
                ctx.uow, partner, count=item.count, order_id=order_id, customer_id=item.customer_id
            )
        elif order_id is None or item.action not in DONE:
            await expired(ctx)
            return
        elif item.action == "d":
            if await mark_delivered(ctx.uow, partner, order_id):
                await after_delivery(ctx, partner, order_id, item.customer_id)
        elif item.action == "h":
            await confirm_household(ctx.uow, partner, order_id)
        elif item.action == "a":
            if await mark_absent(ctx.uow, partner, order_id):
                await _tell_missed(ctx, partner, item.customer_id)
        else:
            await mark_paid(
                ctx.uow, partner, order_id, "cash" if item.action == "c" else "transfer"
            )
    except NotFound:
        await expired(ctx)
        return
    await _show(
        ctx, partner, item.order_id, item.customer_id, item.page, note=ctx._(DONE[item.action])
    )


async def _tell_missed(ctx: Ctx, partner: Partner, customer_id: int) -> None:
    """A kind word to the customer the first time the door was found empty."""
    customer = await customer_by_id(ctx.uow, customer_id)
    identity = await newest_identity(ctx.uow, customer_id)
    if customer is None or identity is None:
        return
    text = t_for(customer.locale).gettext(SORRY_WE_MISSED_YOU).format(name=partner.name)
    ctx.forward(Forward(channel=identity.channel, chat_id=identity.external_id, text=text))


async def _show(
    ctx: Ctx, partner: Partner, order_id: int, customer_id: int, page: int, *, note: str = ""
) -> None:
    """The door's screen, edited in place."""
    stop = await _find(ctx, partner, order_id, customer_id)
    if stop is None:
        await expired(ctx)
        return
    collected = await collected_here(ctx.uow, stop.customer_id, stop.order_id)
    order = await order_by_id(ctx.uow, stop.order_id) if stop.order_id else None
    confirmed = await household_confirmed(ctx.uow, stop.customer_id)
    parts = [p for p in (note, _heading(ctx, stop), _goods(ctx, stop)) if p]
    parts.append(_crates(ctx, stop, collected))
    if order is not None:
        parts.append(_money(ctx, stop, order))
    if confirmed:
        parts.append(ctx._("✅ Household confirmed"))
    ctx.show("\n\n".join(parts), _buttons(ctx, stop, collected, page, confirm=confirmed is False))


def _heading(ctx: Ctx, stop: Stop) -> str:
    """Where, who to call, and how far along the door is."""
    lines = [f"📍 {door(ctx, stop)}" + (f" · {stop.order_no}" if stop.order_no else "")]
    if stop.phone:
        lines.append(f"📞 {stop.phone}")
    if stop.status == "delivered":
        lines.append(ctx._("✅ Delivered"))
    elif stop.absent:
        lines.append(ctx._("🚪 Nobody was at home"))
    return "\n".join(lines)


def _goods(ctx: Ctx, stop: Stop) -> str:
    """Items, gifts and what to tell the customer."""
    parts: list[str] = []
    if stop.items:
        parts.append(ctx._("Hand over:") + "\n" + "\n".join(line_text(ctx, i) for i in stop.items))
    if stop.gifts:
        parts.append(ctx._("🎁 Gifts:") + "\n" + "\n".join(line_text(ctx, g) for g in stop.gifts))
    if stop.care_notes:
        notes = [
            f"• {n.name_en if english(ctx) else n.name_zh}: "
            f"{(n.note_en or n.note_zh) if english(ctx) else (n.note_zh or n.note_en)}"
            for n in stop.care_notes
        ]
        parts.append(ctx._("💬 Please tell them:") + "\n" + "\n".join(notes))
    return "\n\n".join(parts)


def _crates(ctx: Ctx, stop: Stop, collected: int) -> str:
    """Crates still held from earlier deliveries, a booked pickup, and what came back here."""
    text = ctx._("Crates to collect: {num}").format(num=stop.crates_to_collect)
    if stop.pickup_booked:
        text += "\n" + ctx._("The customer booked a crate pickup.")
    if collected:
        text += "\n" + ctx._("Collected here: {num}").format(num=collected)
    return text


def _money(ctx: Ctx, stop: Stop, order: Order) -> str:
    """The amount to take, or how it was paid."""
    if order.paid_at is not None:
        how = ctx._("cash") if order.payment_method == "cash" else ctx._("transfer")
        return ctx._("Paid {amount} ({how}).").format(
            amount=ctx.t.money(order.paid_fen or 0), how=how
        )
    return ctx._("💰 To collect: {amount}").format(amount=ctx.t.money(stop.amount_to_collect_fen))


def _buttons(
    ctx: Ctx, stop: Stop, collected: int, page: int, *, confirm: bool
) -> tuple[tuple[InlineButton, ...], ...]:
    """Door taps, two a row; crate counts mark the one recorded.

    "✅ household confirmed" is offered until the partner has seen this household at its
    door once: it is what releases a held new-customer fee before the hold passes.
    """
    order_id, customer_id = stop.order_id or 0, stop.customer_id

    def tap(label: str, action: str, count: int = 0) -> InlineButton:
        return ctx.button(label, TonightAct(action, order_id, customer_id, count, page))

    buttons: list[InlineButton] = []
    if stop.order_id:
        buttons += [
            tap(ctx._("✅ Delivered"), "d"),
            tap(ctx._("🚪 Absent"), "a"),
            tap(ctx._("💵 Paid cash"), "c"),
            tap(ctx._("📱 Paid transfer"), "t"),
        ]
        if confirm:
            buttons.append(tap(ctx._("✅ Household confirmed"), "h"))
    most = max(CRATE_CHOICES[-1], stop.crates_to_collect + collected)
    for count in CRATE_CHOICES:
        amount = most if count == CRATE_CHOICES[-1] else count
        label = ctx._("📦 {num}+ back") if count == CRATE_CHOICES[-1] else ctx._("📦 {num} back")
        text = label.format(num=count)
        buttons.append(tap(("✓ " if collected == amount else "") + text, "k", amount))
    buttons.append(ctx.button(ctx._("⬅️ Run sheet"), TonightRun(page)))
    return rows_of_two(buttons)
