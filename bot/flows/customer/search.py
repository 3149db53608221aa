"""Search: type Chinese, pinyin or initials; every next message is another search until a
main-menu button is pressed."""

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
from bot.flows.events import Text
from bot.flows.payloads import Category, Menu, Page
from bot.flows.replies import InlineButton
from bot.flows.router import on_button, on_step
from core.catalog.pinyin import normalise_query
from core.catalog.reference import ProductView, Snapshot, browse_data
from core.catalog.search import MAX_QUERY_CHARS, matching_ids

STEP = "search"
SUGGESTED_CATEGORIES = 6


def search_back(page: int) -> str:
    """The card's way back to this page of the results."""
    return f"s{page}"


def parse_search_back(back: str) -> int | None:
    """The page from ``s<page>``, or None when it is not one."""
    page = back.removeprefix("s")
    return int(page) if back.startswith("s") and page.isdigit() else None


@section("search")
async def ask_for_words(ctx: Ctx) -> None:
    """Say how to search, and treat every next message as a search."""
    ctx.chat.go(STEP)
    ctx.show(
        ctx._("🔍 Type what you're looking for: Chinese, pinyin or initials, e.g. kl for 可乐."),
        ((categories_button(ctx),),),
    )


@on_step(STEP)
async def search_typed(ctx: Ctx) -> None:
    """A message while searching: the first page of results, or a friendly hint."""
    event = ctx.event
    if not isinstance(event, Text):
        ctx.say(ctx._("Please type a word to search for, e.g. kl for 可乐."))
        return
    query = normalise_query(event.text)
    if not query:
        ctx.say(ctx._("Please type a word to search for, e.g. kl for 可乐."))
        return
    if len(query) > MAX_QUERY_CHARS:
        ctx.say(
            ctx._("That's a lot of words! Try one or two, e.g. 大米 or kele."),
            ((categories_button(ctx),),),
        )
        return
    ctx.chat.go(STEP, query=query)
    await show_results(ctx, 0)


@on_button(Page)
async def turn_page(ctx: Ctx, item: Page) -> None:
    """◀ / ▶ under the results."""
    await show_results(ctx, item.page)


async def show_results(ctx: Ctx, page: int) -> None:
    """Page ``page`` of the stored query's results, or categories to try when none match."""
    query = str(ctx.chat.data.get("query") or "") if ctx.chat.step == STEP else ""
    if not query:  # search mode was left since these results were shown: start again
        await ask_for_words(ctx)
        return
    page = max(0, page)
    shop = await browse_data(ctx.uow, today(ctx))
    found = await _found(ctx, shop, query, page)
    if not found and page > 0:
        page = 0
        found = await _found(ctx, shop, query, page)
    if not found:
        _suggest_categories(ctx, shop, query)
        return
    shown = found[:PAGE_SIZE]
    deals = shop.deals
    back = search_back(page)
    keyboard: list[tuple[InlineButton, ...]] = [
        product_button(ctx, product, deals.get(product.id), back) for product in shown
    ]
    paging = pager(ctx, page, len(found) > PAGE_SIZE, Page)
    if paging:
        keyboard.append(paging)
    keyboard.append((categories_button(ctx), cart_button(ctx, await cart_count(ctx))))
    text = ctx._("Here is what I found for “{query}”. Tap an item, or type another search.")
    if page > 0:
        text = ctx._("Found for “{query}”, page {page}. Tap an item, or type another search.")
    ctx.show(text.format(query=query, page=page + 1), tuple(keyboard))


async def _found(ctx: Ctx, shop: Snapshot, query: str, page: int) -> list[ProductView]:
    """One page of matches plus one more (for ▶), as listed in the browse snapshot."""
    ids = await matching_ids(ctx.uow, query, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    return [product for product_id in ids if (product := shop.listed(product_id)) is not None]


def _suggest_categories(ctx: Ctx, shop: Snapshot, query: str) -> None:
    """Nothing matched: say so, and offer aisles to look through instead."""
    rows = shop.aisles[:SUGGESTED_CATEGORIES]
    buttons = [ctx.button(category_name(ctx, row), Category(row.id, 0)) for row in rows]
    keyboard = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    keyboard.append((ctx.button(ctx._("🛒 All categories"), Menu("shop")),))
    text = ctx._(
        "Sorry, nothing found for “{query}”. Try other words, or look in an aisle:"
    ).format(query=query)
    ctx.show(text, tuple(keyboard))
