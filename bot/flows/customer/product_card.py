"""The product card: what it is, what it costs against the supermarket, and + / −."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.context import Ctx
from bot.flows.customer.browse import parse_category_back
from bot.flows.customer.deals import parse_deals_back
from bot.flows.customer.quantity import quantity_screen
from bot.flows.customer.search import parse_search_back
from bot.flows.customer.shelf import cart_button, english, product_name, today
from bot.flows.payloads import Category, Deals, Menu, Page, ProductCard, Quantity
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button
from bot.messages.errors import explain
from core.catalog.reference import ProductView, browse_data, live_stock
from core.errors import DomainError, InvalidQuantity, OutOfStock
from core.orders.cart import cart_items, change_quantity, set_quantity
from core.orders.pricing_context import MAX_QUANTITY

CARD = "card"
_REMEMBERED = "card_back"


async def listed_product(ctx: Ctx, product_id: int) -> Listed | None:
    """The product if it is still on sale (delisted and unknown ones are None), its deal
    price today and its stock read live; the display columns come from the browse cache."""
    shop = await browse_data(ctx.uow, today(ctx))
    product = shop.listed(product_id)
    if product is None:
        return None
    return Listed(product, shop.deals.get(product_id), await live_stock(ctx.uow, product_id))


@dataclass(frozen=True, slots=True)
class Listed:
    """What a card shows: display columns, today's deal price and the live stock."""

    product: ProductView
    deal_fen: int | None
    stock: int


@on_button(ProductCard)
async def open_card(ctx: Ctx, item: ProductCard) -> None:
    """Show a product's card in place of the list it was picked from."""
    listed = await listed_product(ctx, item.product_id)
    if listed is None:
        await expired(ctx)
        return
    # + / − carry no room for the way back, so the chat remembers it for this card.
    ctx.chat.data[_REMEMBERED] = [listed.product.id, item.back]
    await show_card(ctx, listed, item.back)


@quantity_screen(CARD)
async def change_on_card(ctx: Ctx, item: Quantity) -> None:
    """+ / − on a card: change the cart, say so in a toast, redraw the card."""
    listed = await listed_product(ctx, item.product_id)
    if listed is None:
        await expired(ctx)
        return
    product = listed.product
    current = dict(await cart_items(ctx.uow, ctx.customer.id)).get(product.id, 0)
    wanted = 0 if item.delta == 0 else current + item.delta
    refusal = _refusal(ctx, listed, current, wanted)
    if refusal:
        ctx.toast(refusal, alert=True)
    else:
        try:
            # set_quantity refuses before it writes anything: no savepoint needed.
            if item.delta == 0:
                await set_quantity(ctx.uow, ctx.customer.id, product.id, 0)
            else:
                await change_quantity(ctx.uow, ctx.customer.id, product.id, item.delta)
        except DomainError as error:
            ctx.toast(explain(error, ctx.t), alert=True)
        else:
            ctx.toast(ctx._("Added") if wanted > current else ctx._("Removed"))
    remembered = ctx.chat.data.get(_REMEMBERED)
    back = ""
    if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == product.id:
        back = str(remembered[1])
    await show_card(ctx, listed, back)


def _refusal(ctx: Ctx, listed: Listed, current: int, wanted: int) -> str | None:
    """Why this change can't be made (more than the shelf holds, or nothing to take out)."""
    if wanted > current and wanted > listed.stock:
        sku = listed.product.sku
        return explain(OutOfStock(sku=sku, left=listed.stock, wanted=wanted), ctx.t)
    if wanted > MAX_QUANTITY:
        return explain(InvalidQuantity(quantity=wanted, maximum=MAX_QUANTITY), ctx.t)
    if current == 0 and wanted <= 0:
        return ctx._("This isn't in your cart.")
    return None


async def show_card(ctx: Ctx, listed: Listed, back: str) -> None:
    """The card's text and buttons: the cart and the stock are the only reads."""
    product, deal_fen, stock = listed.product, listed.deal_fen, listed.stock
    items = await cart_items(ctx.uow, ctx.customer.id)
    in_cart = dict(items).get(product.id, 0)
    total = sum(quantity for _product_id, quantity in items)
    ctx.show(
        _card_text(ctx, product, deal_fen, stock, in_cart),
        _card_buttons(ctx, listed, in_cart, total, back),
    )


def _card_text(
    ctx: Ctx, product: ProductView, deal_fen: int | None, stock: int, in_cart: int
) -> str:
    """Name, price per unit, the saving against the supermarket, badges and the cart count."""
    unit = product.unit_en if english(ctx) and product.unit_en else product.unit_zh
    lines = [
        product_name(ctx, product),
        ctx._("Our price: {price} / {unit}").format(
            price=ctx.t.money(product.price_fen), unit=unit
        ),
    ]
    if deal_fen is not None:
        lines.append(ctx._("🔥 Today's deal: {deal}").format(deal=ctx.t.money(deal_fen)))
    paid = deal_fen if deal_fen is not None else product.price_fen
    if product.reference_price_fen > paid:
        lines.append(
            ctx._("Supermarket {reference}, you save {saving}").format(
                reference=ctx.t.money(product.reference_price_fen),
                saving=ctx.t.money(product.reference_price_fen - paid),
            )
        )
    if product.heavy:
        lines.append(ctx._("🏋 Heavy: carried to your door"))
    note = (product.care_note_en if english(ctx) else None) or product.care_note_zh
    if note:
        lines.append(f"📝 {note}")
    if stock <= 0:
        lines.append(ctx._("Sold out"))
    if in_cart:
        lines.append(ctx._("🧺 In your cart: {count}").format(count=in_cart))
    return "\n".join(lines)


def _card_buttons(
    ctx: Ctx, listed: Listed, in_cart: int, total: int, back: str
) -> tuple[tuple[InlineButton, ...], ...]:
    """− and + (no + when sold out), then the way back and the cart."""
    product, stock = listed.product, listed.stock
    quantity_row: list[InlineButton] = []
    if in_cart > 0:
        quantity_row.append(ctx.button("−", Quantity(product.id, -1, CARD)))
    if stock > 0:
        quantity_row.append(ctx.button("+", Quantity(product.id, 1, CARD)))
    rows: list[tuple[InlineButton, ...]] = [tuple(quantity_row)] if quantity_row else []
    rows.append((_back_button(ctx, back), cart_button(ctx, total)))
    return tuple(rows)


def _back_button(ctx: Ctx, back: str) -> InlineButton:
    """ "Back to list": the aisle page, deals page or results page the card was opened from."""
    aisle = parse_category_back(back)
    if aisle is not None:
        return ctx.button(ctx._("⬅️ Back to list"), Category(*aisle))
    deals_page = parse_deals_back(back)
    if deals_page is not None:
        return ctx.button(ctx._("⬅️ Back to deals"), Deals(deals_page))
    results_page = parse_search_back(back)
    if results_page is not None:
        return ctx.button(ctx._("⬅️ Back to results"), Page(results_page))
    return ctx.button(ctx._("⬅️ Categories"), Menu("shop"))
