"""Order again: last time's paid goods back in the cart, saying what changed since then."""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.cart import show_cart
from core.catalog.deals import deal_prices
from core.catalog.search import products_by_ids
from core.errors import InvalidQuantity, ProductUnavailable
from core.models import Order
from core.orders.cart import cart_items, set_quantity
from core.orders.history import paid_lines
from core.platform.clock import local_now


def localised(ctx: Ctx, zh: str, en: str | None) -> str:
    """A product name in the customer's language (Chinese when no English one exists)."""
    return en if ctx.t.locale == "en" and en else zh


async def reorder(ctx: Ctx, order: Order) -> None:
    """Put ``order``'s paid lines in the cart, report price and stock changes, show the cart."""
    lines = await paid_lines(ctx.uow, order.id)
    ids = [line.product_id for line in lines]
    products = await products_by_ids(ctx.uow, ids)
    today = local_now(ctx.uow.clock, ctx.uow.settings.tz).date()
    deals = await deal_prices(ctx.uow, today, ids)
    in_cart = dict(await cart_items(ctx.uow, ctx.customer.id))
    notes: list[str] = []
    added = 0
    for line in lines:
        product = products.get(line.product_id)
        name = localised(ctx, line.name_zh, line.name_en)
        if product is None or not product.active:
            notes.append(ctx._("{name}: no longer sold, so it was left out.").format(name=name))
            continue
        if product.stock <= 0:
            notes.append(ctx._("{name}: sold out for now, so it was left out.").format(name=name))
            continue
        take = min(line.quantity, product.stock)
        try:
            await set_quantity(
                ctx.uow, ctx.customer.id, product.id, max(take, in_cart.get(product.id, 0))
            )
        except (InvalidQuantity, ProductUnavailable):
            notes.append(ctx._("{name}: couldn't be added to your cart.").format(name=name))
            continue
        added += 1
        if take < line.quantity:
            notes.append(
                ctx._("{name}: only {num} left, so I added {num}.").format(name=name, num=take)
            )
        notes.extend(
            _price_change(ctx, name, line.unit_price_fen, deals.get(product.id, product.price_fen))
        )
    await _report(ctx, order, added, notes)


def _price_change(ctx: Ctx, name: str, was_fen: int, now_fen: int) -> list[str]:
    """A line about the price, only when it moved since that order."""
    if now_fen > was_fen:
        text = ctx._("{name}: now {now}, up from {was}.")
    elif now_fen < was_fen:
        text = ctx._("{name}: now {now}, down from {was}.")
    else:
        return []
    return [text.format(name=name, now=ctx.t.money(now_fen), was=ctx.t.money(was_fen))]


async def _report(ctx: Ctx, order: Order, added: int, notes: list[str]) -> None:
    """What happened, on top of the cart (drawn in place of the order screen)."""
    if added == 0:
        head = ctx._("Sorry, nothing from order {order} can be ordered right now.")
    elif notes:
        head = ctx._("I've put order {order} in your cart. A few things changed since then:")
    else:
        head = ctx._("I've put everything from order {order} in your cart, at the same prices.")
    text = "\n".join([head.format(order=order.order_no), *(f"• {note}" for note in notes)])
    await show_cart(ctx, note=text)
