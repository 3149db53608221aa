"""Checkout: read the order back, place it exactly once, and ping the unit's partner.

Each read-back screen gets a fresh nonce, kept in the chat state and carried by its
Confirm button. The nonce is the order's idempotency key, so a double tap, a retried
update or a second process all land on the same order; a Confirm button from an older
screen (the cart may have changed since) shows the order again instead of placing it.
"""

from __future__ import annotations

import secrets

from bot.flows.context import Ctx
from bot.flows.customer.cart import show_cart
from bot.flows.customer.cart_view import (
    arrival,
    gone_note,
    line_texts,
    load_cart,
    quote_texts,
    slot_arrival,
    slot_for,
)
from bot.flows.customer.checkout_address import (
    address_of,
    ask_building,
    ask_phone,
    back_to_details,
    details_complete,
    mask_phone,
    pick_building,
    show_details,
)
from bot.flows.customer.menu import menu_buttons
from bot.flows.customer.onboarding import resume
from bot.flows.customer.shelf import product_name
from bot.flows.payloads import CartAction, Checkout
from bot.flows.replies import Forward
from bot.flows.router import expired, on_button
from bot.i18n import N_, translator
from bot.messages.errors import explain
from core.catalog.search import product_by_sku
from core.errors import DomainError, NotFound, OutOfStock
from core.models import Order
from core.orders.cart import CartView, checkout_cart
from core.orders.history import order_confirmed_with, order_lines
from core.people.partner_devices import partner_address
from core.people.units import active_partner, building_by_id

REVIEW_STEP = "checkout"
NONCE = "nonce"
PARTNER_LOCALE = "zh_CN"  # partners read Chinese


async def start_checkout(ctx: Ctx) -> None:
    """The cart's ✅ Checkout: a customer we can't deliver to yet tells us where first."""
    cart, _gone = await load_cart(ctx)
    if cart.priced is None:
        await show_cart(ctx)
        return
    if ctx.customer.unit_id is None:
        # Onboarding asks for the neighbourhood; the cart waits in the database meanwhile.
        await resume(ctx, note=ctx._("First, please tell us where you live, so we can deliver."))
        return
    await show_details(ctx)


@on_button(Checkout)
async def checkout_pressed(ctx: Ctx, item: Checkout) -> None:
    """Every checkout button, by its action."""
    action, arg = item.action, item.nonce
    if action == "start":
        await start_checkout(ctx)
    elif action == "details":
        await back_to_details(ctx)
    elif action in {"address", "buildings"}:
        await ask_building(ctx, int(arg) if arg.isdigit() else 0)
    elif action == "building":
        await pick_building(ctx, arg)
    elif action == "phone":
        ask_phone(ctx)
    elif action == "review":
        await review(ctx)
    elif action == "confirm":
        await confirm(ctx, arg)
    else:
        await expired(ctx)


async def review(ctx: Ctx) -> None:
    """Screen two: the whole order read back, how to pay, and one Confirm button."""
    if ctx.customer.unit_id is None:
        await start_checkout(ctx)
        return
    if not await details_complete(ctx):
        return
    cart, gone = await load_cart(ctx)
    problem = _blocking(ctx, cart)
    if cart.priced is None or gone or problem:
        await show_cart(ctx, note=problem or gone_note(ctx, gone))
        return
    nonce = secrets.token_urlsafe(8)
    ctx.chat.go(REVIEW_STEP, **{NONCE: nonce})
    where = ctx._("📍 Deliver to {address}, phone {phone}").format(
        address=await address_of(ctx), phone=mask_phone(ctx.customer.phone or "")
    )
    text = "\n\n".join(
        [
            ctx._("Please check your order:") + "\n" + "\n".join(await line_texts(ctx, cart)),
            "\n".join(await quote_texts(ctx, cart)),
            where + "\n" + slot_arrival(ctx, await slot_for(ctx)),
            ctx._("💵 Payment on delivery: cash or transfer to your partner."),
        ]
    )
    total = ctx.t.money(cart.priced.quote.total_fen)
    ctx.show(
        text,
        (
            (
                ctx.button(
                    ctx._("✅ Confirm order · {total}").format(total=total),
                    Checkout("confirm", nonce),
                ),
            ),
            (ctx.button(ctx._("⬅️ Back to cart"), CartAction("view")),),
        ),
    )


def _blocking(ctx: Ctx, cart: CartView) -> str | None:
    """What would make the order fail, said before the customer confirms."""
    if cart.priced is None:
        return None
    if cart.promo_code and cart.priced.quote.promo_error is not None:
        return ctx._("Your code can't be used for this order. Remove it or change the cart first.")
    if cart.short:
        return ctx._("Some items have fewer left than you asked for. Please lower the quantity.")
    return None


async def confirm(ctx: Ctx, nonce: str) -> None:
    """Place the order once for this screen's nonce, however many times it is pressed."""
    if not nonce or nonce != ctx.chat.data.get(NONCE):
        earlier = await _order_with_key(ctx, nonce)
        if earlier is not None:
            ctx.toast(ctx._("Already ordered: {order}").format(order=earlier.order_no))
            return
        ctx.toast(ctx._("Your cart may have changed. Please check it once more."))
        await review(ctx)
        return
    try:
        async with ctx.uow.savepoint():
            placed = await checkout_cart(ctx.uow, ctx.customer, nonce)
    except DomainError as refusal:
        # Nothing was ordered and the cart is as it was: say why, then show it again.
        await show_cart(ctx, note=await _why(ctx, refusal))
        return
    ctx.chat.go("idle")
    if not placed.created:
        ctx.toast(ctx._("Already ordered: {order}").format(order=placed.order.order_no))
        return
    await _placed(ctx, placed.order)


async def _order_with_key(ctx: Ctx, nonce: str) -> Order | None:
    """This customer's order confirmed with ``nonce``, if there is one."""
    return await order_confirmed_with(ctx.uow, ctx.customer.id, nonce)


async def _why(ctx: Ctx, refusal: DomainError) -> str:
    """The refusal in words; a stock problem names the product it is about."""
    text = explain(refusal, ctx.t)
    if isinstance(refusal, OutOfStock):
        try:
            product = await product_by_sku(ctx.uow, str(refusal.sku))
        except NotFound:
            return text
        return f"{product_name(ctx, product)}: {text}"
    return text


async def _placed(ctx: Ctx, order: Order) -> None:
    """Thank the customer on the confirmed screen, then tell the partner."""
    text = "\n".join(
        [
            ctx._("Order {order} placed! Total {total}, pay on delivery.").format(
                order=order.order_no, total=ctx.t.money(order.total_fen)
            ),
            arrival(ctx, order.delivery_date, order.window_start, order.window_end),
        ]
    )
    ctx.show(f"{text}\n\n{ctx._('What would you like to do?')}", menu_buttons(ctx))
    await ping_partner(ctx, order)


_PINGS = {
    "new": N_(
        "🆕 New order {order} · {address} · {items} · total {total} (to collect on delivery)"
    ),
    "cancelled": N_(
        "❌ Cancelled by the customer: order {order} · {address} · {items} · total {total}"
    ),
}


async def ping_partner(ctx: Ctx, order: Order, kind: str = "new") -> None:
    """Tell the unit's partner at once, in Chinese: they pack, deliver and collect the money."""
    partner = await active_partner(ctx.uow, order.unit_id)
    if partner is None:
        return
    pt = translator(PARTNER_LOCALE, timezone=ctx.uow.settings.timezone)
    lines = await order_lines(ctx.uow, order.id)
    items = ", ".join(
        f"{'🎁 ' if line.is_gift else ''}{line.name_zh} ×{line.quantity}" for line in lines
    )
    building = await building_by_id(ctx.uow, order.building_id or 0)
    address = f"{building.label if building else ''} {order.room or ''}".strip()
    text = pt.gettext(_PINGS[kind]).format(
        order=order.order_no, address=address, items=items, total=pt.money(order.total_fen)
    )
    when = pt.gettext("🚚 {day}, {start}–{end}").format(
        day=pt.weekday_date(order.delivery_date),
        start=pt.time(order.window_start),
        end=pt.time(order.window_end),
    )
    channel, chat_id = partner_address(partner)  # Telegram, else their web chat
    ctx.forward(Forward(channel=channel, chat_id=chat_id, text=f"{text}\n{when}"))
