"""My orders: the last few orders, where each one is, cancel before the cutoff, order again.

Every order button carries an order id, so each press first checks the order is this
customer's own: a button made for someone else's order reads as expired and does nothing.
"""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.customer import feedback
from bot.flows.customer.menu import label, section
from bot.flows.customer.reorder import localised, reorder
from bot.flows.payloads import Menu, OrderAction
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button
from core.delivery.feedback import rating_of
from core.errors import CancelTooLate
from core.models import Order
from core.orders.delivery_date import cutoff_instant
from core.orders.history import order_lines, own_order, recent_orders
from core.orders.lifecycle import cancel_by_customer
from core.orders.status import Status
from core.people.units import unit_by_id

RECENT = 10
STILL_GOING_OUT = (Status.PLACED, Status.PICKED, Status.OUT_FOR_DELIVERY)


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


# TRANSLATORS: an order's status on its button in the list: "261123-A1B2C3 · placed · ¥30.00"
STATUS_SHORT = {
    "placed": _("placed"),
    "picked": _("packed"),
    "out_for_delivery": _("on its way"),
    "delivered": _("delivered"),
    "cancelled": _("cancelled"),
    "refunded": _("refunded"),
}
STATUS_LONG = {
    "placed": _("Waiting to be packed"),
    "picked": _("Packed, going out this evening"),
    "out_for_delivery": _("On its way to you"),
    "delivered": _("Delivered"),
    "cancelled": _("Cancelled"),
    "refunded": _("Refunded"),
}


@section("orders")
async def show_orders(ctx: Ctx) -> None:
    """The newest orders as buttons, one a row."""
    ctx.chat.go("idle")
    orders = await recent_orders(ctx.uow, ctx.customer.id, RECENT)
    rows = [
        (
            ctx.button(
                f"{order.order_no} · {ctx._(STATUS_SHORT.get(order.status, order.status))}"
                f" · {ctx.t.money(order.total_fen)}",
                OrderAction(order.id, "view"),
            ),
        )
        for order in orders
    ]
    home = (_menu_button(ctx),)
    if not rows:
        ctx.show(
            ctx._("You haven't ordered anything yet. Have a look around the shop!"),
            ((ctx.button(label(ctx, "shop"), Menu("shop")), *home),),
        )
        return
    ctx.show(ctx._("Your latest orders, newest first. Tap one to see it."), (*rows, home))


@on_button(OrderAction)
async def order_action(ctx: Ctx, item: OrderAction) -> None:
    """Every button about one order; someone else's order is an expired button."""
    order = await own_order(ctx.uow, ctx.customer.id, item.order_id)
    if order is None:
        await expired(ctx)
        return
    if item.action == "view":
        await show_order(ctx, order)
    elif item.action == "cancel":
        await _ask_to_cancel(ctx, order)
    elif item.action == "confirm_cancel":
        await _cancel(ctx, order)
    elif item.action == "reorder":
        ctx.chat.go("idle")
        await reorder(ctx, order)
    elif item.action == "rate":
        await feedback.rate(ctx, order, item.arg)
    elif item.action == "skip":
        await feedback.skip(ctx, order, item.arg)
    else:
        await expired(ctx)


async def _cancel_closes(ctx: Ctx, order: Order) -> dt.datetime:
    """The instant the customer can no longer cancel: the cutoff of the delivery day."""
    unit = await unit_by_id(ctx.uow, order.unit_id)
    cutoff = unit.cutoff if unit is not None else ctx.uow.settings.cutoff
    return cutoff_instant(order.delivery_date, cutoff, ctx.uow.settings.tz)


async def show_order(ctx: Ctx, order: Order, *, note: str | None = None) -> None:
    """Status, delivery evening, lines, totals, payment, and what can still be done."""
    ctx.chat.go("idle")
    closes = await _cancel_closes(ctx, order)
    cancellable = order.status == Status.PLACED and ctx.uow.clock.now() < closes
    rating = await rating_of(ctx.uow, order.id)
    parts = [note] if note else []
    parts.append(ctx._("Order {order}").format(order=order.order_no))
    parts.append(
        ctx._("Status: {status}").format(status=ctx._(STATUS_LONG.get(order.status, order.status)))
    )
    if order.status != Status.CANCELLED:
        parts.append(
            ctx._("Delivery: {day}, {start}–{end}").format(
                day=ctx.t.weekday_date(order.delivery_date),
                start=ctx.t.time(order.window_start),
                end=ctx.t.time(order.window_end),
            )
        )
    parts.append("\n".join(await _line_texts(ctx, order)))
    parts.append("\n".join(_totals(ctx, order)))
    parts.append(_payment(ctx, order))
    if cancellable:
        parts.append(
            ctx._("You can cancel until {time} on {day}.").format(
                time=ctx.t.time(closes), day=ctx.t.weekday_date(closes)
            )
        )
    elif order.status in STILL_GOING_OUT:
        parts.append(
            ctx._(
                "Packing has started, so this order can't be cancelled any more. "
                "Your partner can help if something is wrong."
            )
        )
    if rating is not None:
        parts.append(ctx._("Your rating: {stars}").format(stars="⭐" * rating))
    rows: list[tuple[InlineButton, ...]] = []
    if cancellable:
        rows.append((ctx.button(ctx._("Cancel order"), OrderAction(order.id, "cancel")),))
    rows.append((ctx.button(ctx._("🔁 Same as last time"), OrderAction(order.id, "reorder")),))
    if order.delivered_at is not None and rating is None:
        rows.append((ctx.button(ctx._("⭐ Rate this delivery"), OrderAction(order.id, "rate")),))
    rows.append((ctx.button(ctx._("⬅️ My orders"), Menu("orders")), _menu_button(ctx)))
    ctx.show("\n\n".join(parts), tuple(rows))


async def _line_texts(ctx: Ctx, order: Order) -> list[str]:
    """One line per product; gifts marked and free."""
    lines = await order_lines(ctx.uow, order.id)
    texts = []
    for line in lines:
        name = localised(ctx, line.name_zh, line.name_en)
        if line.is_gift:
            texts.append(
                ctx._("🎁 {name} × {quantity}: free gift").format(name=name, quantity=line.quantity)
            )
        else:
            texts.append(
                ctx._("• {name} × {quantity}: {amount}").format(
                    name=name, quantity=line.quantity, amount=ctx.t.money(line.line_fen)
                )
            )
    return texts


def _totals(ctx: Ctx, order: Order) -> list[str]:
    """Goods, discount, shipping, total and the saving, as on the receipt."""
    texts = [ctx._("Goods: {amount}").format(amount=ctx.t.money(order.goods_fen))]
    if order.discount_fen:
        texts.append(ctx._("Discount: −{amount}").format(amount=ctx.t.money(order.discount_fen)))
    if order.shipping_fen:
        texts.append(ctx._("Delivery fee: {amount}").format(amount=ctx.t.money(order.shipping_fen)))
    else:
        texts.append(ctx._("Delivery fee: free"))
    texts.append(ctx._("Total: {amount}").format(amount=ctx.t.money(order.total_fen)))
    if order.saving_fen > 0:
        texts.append(
            ctx._("You saved {amount} compared with the supermarket.").format(
                amount=ctx.t.money(order.saving_fen)
            )
        )
    return texts


def _payment(ctx: Ctx, order: Order) -> str:
    """Whether there is anything to pay, and how."""
    if order.status == Status.CANCELLED:
        return ctx._("Nothing to pay.")
    if order.status == Status.REFUNDED:
        return ctx._("Your payment was refunded.")
    if order.paid_at is not None:
        paid = ctx.t.money(order.paid_fen if order.paid_fen is not None else order.total_fen)
        if order.payment_method == "transfer":
            return ctx._("Paid {amount} by transfer.").format(amount=paid)
        return ctx._("Paid {amount} in cash.").format(amount=paid)
    return ctx._("Pay {amount} when it arrives, in cash or by transfer.").format(
        amount=ctx.t.money(order.total_fen)
    )


async def _ask_to_cancel(ctx: Ctx, order: Order) -> None:
    """Are you sure? A cancelled order cannot be brought back."""
    if order.status == Status.CANCELLED:
        await show_order(ctx, order)
        return
    closes = await _cancel_closes(ctx, order)
    if order.status != Status.PLACED or ctx.uow.clock.now() >= closes:
        raise CancelTooLate(order_no=order.order_no, cutoff_at=closes)
    ctx.show(
        ctx._("Are you sure you want to cancel order {order}? It won't be delivered.").format(
            order=order.order_no
        ),
        (
            (ctx.button(ctx._("Yes, cancel it"), OrderAction(order.id, "confirm_cancel")),),
            (ctx.button(ctx._("No, keep it"), OrderAction(order.id, "view")),),
        ),
    )


async def _cancel(ctx: Ctx, order: Order) -> None:
    """Cancel through the lifecycle (it gives the stock back), then show the order."""
    changed = await cancel_by_customer(ctx.uow, customer_id=ctx.customer.id, order_id=order.id)
    if changed:
        from bot.flows.customer.checkout import ping_partner  # checkout's flow imports this module

        await ping_partner(ctx, order, "cancelled")
        note = ctx._("Order {order} is cancelled. There's nothing to pay.")
    else:
        note = ctx._("Order {order} was already cancelled.")
    await show_order(ctx, order, note=note.format(order=order.order_no))


def _menu_button(ctx: Ctx) -> InlineButton:
    """Back to the main menu (an unknown section opens the menu)."""
    return ctx.button(ctx._("⬅️ Menu"), Menu("menu"))
