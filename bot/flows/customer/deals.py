"""The deals zone: today's crazy prices, deepest saving first, eight a page."""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.menu import section
from bot.flows.customer.shelf import (
    PAGE_SIZE,
    cart_button,
    cart_count,
    categories_button,
    pager,
    product_button,
    product_name,
    today,
)
from bot.flows.payloads import Deals
from bot.flows.replies import InlineButton
from bot.flows.router import on_button
from core.catalog.reference import browse_data


def deals_back(page: int) -> str:
    """The card's way back to this page of the deals zone."""
    return f"d{page}"


def parse_deals_back(back: str) -> int | None:
    """The page from ``d<page>``, or None when it is not one."""
    page = back.removeprefix("d")
    return int(page) if back.startswith("d") and page.isdigit() else None


@section("deals")
async def open_deals(ctx: Ctx) -> None:
    """The deals zone from the main menu: its first page."""
    ctx.chat.go("idle")
    await show_deals(ctx, 0)


@on_button(Deals)
async def turn_page(ctx: Ctx, item: Deals) -> None:
    """◀ / ▶ in the deals zone."""
    await show_deals(ctx, item.page)


async def show_deals(ctx: Ctx, page: int) -> None:
    """Page ``page`` of today's deals: "deal ¥x (was ¥y)" on every button."""
    shop = await browse_data(ctx.uow, today(ctx))
    total = len(shop.deals_ranked)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    rows = shop.deals_page(limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    back = deals_back(page)
    keyboard: list[tuple[InlineButton, ...]] = []
    for product, deal_fen in rows:
        label = ctx._("{name} · deal {deal} (was {price})").format(
            name=product_name(ctx, product),
            deal=ctx.t.money(deal_fen),
            price=ctx.t.money(product.price_fen),
        )
        keyboard.append(product_button(ctx, product, deal_fen, back, label=f"🔥 {label}"))
    paging = pager(ctx, page, page + 1 < pages, Deals)
    if paging:
        keyboard.append(paging)
    keyboard.append((categories_button(ctx), cart_button(ctx, await cart_count(ctx))))
    if not rows:
        text = ctx._("No deals today. New crazy prices come every morning, so check back tomorrow!")
    elif pages > 1:
        text = ctx._("🔥 Today's deals, page {page} of {pages}. Today only, while stock lasts.")
    else:
        text = ctx._("🔥 Today's deals. Today only, while stock lasts.")
    ctx.show(text.format(page=page + 1, pages=pages), tuple(keyboard))
