"""Shop: the aisles, then an aisle's products page by page, always in the same message."""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.menu import section
from bot.flows.customer.shelf import (
    PAGE_SIZE,
    cart_button,
    cart_count,
    categories_button,
    category_name,
    pager,
    product_button,
    today,
)
from bot.flows.payloads import Category, Menu
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button
from core.catalog.reference import ProductView, Snapshot, browse_data


def category_back(category_id: int, page: int) -> str:
    """The card's way back to this page of this aisle (no ':' allowed in payload text)."""
    return f"c{category_id}.{page}"


def parse_category_back(back: str) -> tuple[int, int] | None:
    """(category id, page) from ``c<id>.<page>``, or None when it is not one."""
    body = back.removeprefix("c")
    category_id, _dot, page = body.partition(".")
    if not back.startswith("c") or not category_id.isdigit() or not page.isdigit():
        return None
    return int(category_id), int(page)


@section("shop")
async def show_categories(ctx: Ctx) -> None:
    """Every aisle, two a row, with the cart one tap away."""
    ctx.chat.go("idle")
    rows = (await browse_data(ctx.uow, today(ctx))).aisles
    buttons = [ctx.button(category_name(ctx, row), Category(row.id, 0)) for row in rows]
    keyboard = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    keyboard.append(
        (cart_button(ctx, await cart_count(ctx)), ctx.button(ctx._("🏠 Menu"), Menu("menu")))
    )
    text = ctx._("What are you shopping for today? Pick an aisle:")
    if not rows:
        text = ctx._("The shop is being stocked. Please come back a little later.")
    ctx.show(text, tuple(keyboard))


@on_button(Category)
async def open_category(ctx: Ctx, item: Category) -> None:
    """An aisle's page of products, edited into the pressed message."""
    await show_category(ctx, item.category_id, item.page)


async def show_category(ctx: Ctx, category_id: int, page: int) -> None:
    """Page ``page`` of an aisle: eight products, the pager, back and cart buttons."""
    shop = await browse_data(ctx.uow, today(ctx))
    category = shop.aisle_by_id.get(category_id)
    if category is None:
        await expired(ctx)
        return
    page = max(0, page)
    products = _page_of(shop, category_id, page)
    if not products and page > 0:  # items were delisted since: show the first page
        page = 0
        products = _page_of(shop, category_id, page)
    shown = products[:PAGE_SIZE]
    deals = shop.deals
    back = category_back(category_id, page)
    keyboard: list[tuple[InlineButton, ...]] = [
        product_button(ctx, product, deals.get(product.id), back) for product in shown
    ]
    paging = pager(ctx, page, len(products) > PAGE_SIZE, lambda n: Category(category_id, n))
    if paging:
        keyboard.append(paging)
    keyboard.append((categories_button(ctx), cart_button(ctx, await cart_count(ctx))))
    name = category_name(ctx, category)
    if not shown:
        text = ctx._("{aisle}: nothing here just now. Have a look in another aisle.")
    elif page > 0 or len(products) > PAGE_SIZE:
        text = ctx._("{aisle} · page {page}\nTap an item to see it and add it to your cart.")
    else:
        text = ctx._("{aisle}\nTap an item to see it and add it to your cart.")
    ctx.show(text.format(aisle=name, page=page + 1), tuple(keyboard))


def _page_of(shop: Snapshot, category_id: int, page: int) -> list[ProductView]:
    """One page plus one more product, so the ▶ button appears only when there is more."""
    return shop.aisle_page(category_id, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE)
