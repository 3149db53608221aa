"""What every product list shares: names in the shopper's language, price labels, the
pager and the cart button, so categories, deals and search look and page alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.flows.context import Ctx
from bot.flows.payloads import Menu, ProductCard
from bot.flows.replies import InlineButton
from core.catalog.reference import Aisle, ProductView
from core.models import Category, Product
from core.orders.cart import cart_items
from core.platform.clock import local_now

PAGE_SIZE = 8


def english(ctx: Ctx) -> bool:
    """True when this shopper reads English (every other language reads the Chinese names)."""
    return ctx.t.locale == "en"


def today(ctx: Ctx) -> dt.date:
    """The business date in Shanghai: the day whose deals zone is on."""
    return local_now(ctx.uow.clock, ctx.uow.settings.tz).date()


def product_name(ctx: Ctx, product: Product | ProductView) -> str:
    """The product's name as this shopper reads it."""
    return product.name_en if english(ctx) and product.name_en else product.name_zh


def category_name(ctx: Ctx, category: Category | Aisle) -> str:
    """The aisle's name as this shopper reads it."""
    return category.name_en if english(ctx) and category.name_en else category.name_zh


def product_button(
    ctx: Ctx,
    product: Product | ProductView,
    deal_fen: int | None,
    back: str,
    *,
    label: str | None = None,
) -> tuple[InlineButton, ...]:
    """One product on its own row: "name · ¥price" (the deal price when it is on today)."""
    if label is None:
        price = ctx.t.money(deal_fen if deal_fen is not None else product.price_fen)
        label = f"{product_name(ctx, product)} · {price}"
        if deal_fen is not None:
            label = f"🔥 {label}"
    return (ctx.button(label, ProductCard(product.id, back)),)


def pager(
    ctx: Ctx, page: int, has_next: bool, to_page: Callable[[int], object]
) -> tuple[InlineButton, ...]:
    """◀ / ▶ buttons for the pages either side that exist (none on a single page)."""
    row: list[InlineButton] = []
    if page > 0:
        row.append(ctx.button("◀", to_page(page - 1)))
    if has_next:
        row.append(ctx.button("▶", to_page(page + 1)))
    return tuple(row)


async def cart_count(ctx: Ctx) -> int:
    """How many items the cart holds (one query, whatever its size)."""
    return sum(quantity for _product_id, quantity in await cart_items(ctx.uow, ctx.customer.id))


def cart_button(ctx: Ctx, count: int) -> InlineButton:
    """ "🧺 Cart (n)": the way to the cart from any list or card."""
    return ctx.button(ctx._("🧺 Cart ({count})").format(count=count), Menu("cart"))


def categories_button(ctx: Ctx) -> InlineButton:
    """Back to the list of aisles."""
    return ctx.button(ctx._("⬅️ Categories"), Menu("shop"))
