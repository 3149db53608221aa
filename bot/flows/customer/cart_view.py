"""The cart as words: lines, the quote, the promo note and when it arrives.

Shared by the cart screen and the checkout's final read-back, so what the customer
confirms is exactly what the cart showed.
"""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.customer.shelf import english, product_name
from bot.messages.errors import explain
from core.catalog.search import product_by_id, product_by_sku
from core.errors import ProductUnavailable
from core.models import Product, Promotion
from core.orders.cart import CartView, cart_items, set_quantity, view
from core.orders.delivery_date import DeliverySlot, delivery_slot
from core.orders.pricing_context import MAX_LINES, PricedCart, price_items
from core.people.units import unit_by_id
from core.platform.clock import local_now
from core.pricing.types import PriceSource, QuoteLine


async def load_cart(ctx: Ctx) -> tuple[CartView, list[str]]:
    """The cart quoted now; lines whose product left the shop are taken out and named.

    Without this, one delisted product would make the whole cart impossible to show.
    """
    gone: list[str] = []
    for _ in range(MAX_LINES + 1):
        try:
            return await view(ctx.uow, ctx.customer), gone
        except ProductUnavailable as refusal:
            product = await product_by_sku(ctx.uow, str(refusal.sku))
            await set_quantity(ctx.uow, ctx.customer.id, product.id, 0)
            gone.append(product_name(ctx, product))
    raise AssertionError("a cart holds at most MAX_LINES lines")


def gone_note(ctx: Ctx, gone: list[str]) -> str | None:
    """Names the products ``load_cart`` took out, so nothing vanishes unexplained."""
    if not gone:
        return None
    return ctx._("No longer sold, so taken out of your cart: {names}").format(names=", ".join(gone))


async def slot_for(ctx: Ctx) -> DeliverySlot:
    """When an order placed now would arrive, by the customer's unit's cutoff and window."""
    settings = ctx.uow.settings
    unit = await unit_by_id(ctx.uow, ctx.customer.unit_id)
    return delivery_slot(
        ctx.uow.clock.now(),
        settings.tz,
        cutoff=unit.cutoff if unit else settings.cutoff,
        window_start=unit.window_start if unit else settings.window_start,
        window_end=unit.window_end if unit else settings.window_end,
    )


def arrival(ctx: Ctx, day: dt.date, start: dt.time, end: dt.time) -> str:
    """When it arrives: tonight, tomorrow or a named day, with the evening window."""
    today = local_now(ctx.uow.clock, ctx.uow.settings.tz).date()
    values = {"start": ctx.t.time(start), "end": ctx.t.time(end), "day": ctx.t.weekday_date(day)}
    if day == today:
        return ctx._("🚚 Arrives tonight, {start}–{end}").format(**values)
    if day == today + dt.timedelta(days=1):
        return ctx._("🚚 Arrives tomorrow ({day}), {start}–{end}").format(**values)
    return ctx._("🚚 Arrives on {day}, {start}–{end}").format(**values)


def slot_arrival(ctx: Ctx, slot: DeliverySlot) -> str:
    """The arrival line of a delivery slot."""
    return arrival(ctx, slot.date, slot.window_start, slot.window_end)


def short_name(name: str, limit: int = 12) -> str:
    """A name that fits on a small button."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


async def product_of(ctx: Ctx, line: QuoteLine, priced: PricedCart) -> Product | None:
    """The product of a line (gift products are already in the session from the quote)."""
    return priced.products.get(line.product_id) or await product_by_id(ctx.uow, line.product_id)


async def line_texts(ctx: Ctx, cart: CartView) -> list[str]:
    """One bullet per paid line, flagged when the shelf holds fewer than asked for."""
    assert cart.priced is not None
    texts = []
    for line in cart.priced.quote.paid_lines:
        product = cart.priced.products[line.product_id]
        text = f"• {product_name(ctx, product)} × {line.quantity} · {ctx.t.money(line.line_fen)}"
        if line.price_source == PriceSource.DEAL:
            text = f"{text} 🔥"
        if line.sku in cart.short:
            text += "\n  " + shortage(ctx, cart.short[line.sku])
        texts.append(text)
    return texts


def shortage(ctx: Ctx, left: int) -> str:
    """How many are left, so the customer knows what to lower the line to."""
    if left <= 0:
        return ctx._("⚠️ sold out, please remove it")
    return ctx.t.ngettext("⚠️ only {num} left", "⚠️ only {num} left", left).format(num=left)


def promotion_name(ctx: Ctx, promotion: Promotion) -> str:
    """The offer's name, with its code when the name does not already say it."""
    name = promotion.name_en if english(ctx) and promotion.name_en else promotion.name_zh
    return name if promotion.code in name else f"{name} ({promotion.code})"


async def quote_texts(ctx: Ctx, cart: CartView) -> list[str]:
    """Goods, deals, discount, gifts, shipping, total and the saving, one per line."""
    assert cart.priced is not None
    priced, quote = cart.priced, cart.priced.quote
    money = ctx.t.money
    texts = [ctx._("Goods: {amount}").format(amount=money(quote.goods_fen))]
    deal_saving = sum(
        (line.list_price_fen - line.unit_price_fen) * line.quantity
        for line in quote.paid_lines
        if line.price_source == PriceSource.DEAL
    )
    if deal_saving > 0:
        texts.append(ctx._("🔥 Today's deals: {amount} off").format(amount=money(deal_saving)))
    if quote.promo is not None and priced.promotion is not None:
        name = promotion_name(ctx, priced.promotion)
        if quote.discount_fen > 0:
            texts.append(
                ctx._("🎟 {name}: −{amount}").format(name=name, amount=money(quote.discount_fen))
            )
        if quote.promo.shipping_waived:
            texts.append(ctx._("🎟 {name}: free shipping").format(name=name))
    elif cart.promo_code and quote.promo_error is not None:
        texts.append("⚠️ " + explain(quote.promo_error, ctx.t))
    for line in quote.gift_lines:
        gift = await product_of(ctx, line, priced)
        if gift is not None:
            texts.append(
                ctx._("🎁 free: {name} ×{num}").format(
                    name=product_name(ctx, gift), num=line.quantity
                )
            )
    if quote.shipping_fen == 0:
        texts.append(ctx._("Shipping: free"))
    else:
        texts.append(
            ctx._("Shipping: {fee} · add {amount} more for free shipping").format(
                fee=money(quote.shipping_fen), amount=money(quote.free_shipping_missing_fen)
            )
        )
    texts.append(ctx._("Total: {amount}").format(amount=money(quote.total_fen)))
    if quote.saving_fen > 0:
        texts.append(
            ctx._("💰 You save {amount} vs the supermarket").format(amount=money(quote.saving_fen))
        )
    warning = await promo_costs_more(ctx, priced)
    if warning:
        texts.append(warning)
    return texts


async def promo_costs_more(ctx: Ctx, priced: PricedCart) -> str | None:
    """A code whose discount drops the goods under the free-shipping line can cost money."""
    quote = priced.quote
    if quote.promo is None or quote.shipping_fen == 0:
        return None
    items = await cart_items(ctx.uow, ctx.customer.id)
    without = await price_items(ctx.uow, ctx.customer, items, promo_code=None, strict=False)
    rise = quote.total_fen - without.quote.total_fen
    if rise <= 0:
        return None
    return ctx._(
        "⚠️ With this code you pay {rise} more, because the discount takes your goods "
        "under the free-shipping amount. Add {amount} more, or remove the code."
    ).format(rise=ctx.t.money(rise), amount=ctx.t.money(quote.free_shipping_missing_fen))
