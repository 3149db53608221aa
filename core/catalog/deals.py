"""The daily deals zone: products at a "crazy price" on one Shanghai calendar day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import bindparam, func, select

from core.catalog.search import product_by_sku
from core.errors import InvalidInput, ProductUnavailable
from core.models import DealEntry, Product
from core.platform.uow import UnitOfWork

MIN_DEALS = 200  # PRODUCT.md: at least 200 products at a "crazy price" every day


async def deals_for(
    uow: UnitOfWork, day: dt.date, *, limit: int = 20, offset: int = 0
) -> list[tuple[Product, int]]:
    """The day's deals with their prices, deepest saving first.

    A deal no longer below the product's price (the price was cut since) is not a deal.
    """
    statement = (
        select(Product, DealEntry.deal_price_fen)
        .join(DealEntry, DealEntry.product_id == Product.id)
        .where(
            DealEntry.deal_date == day,
            Product.active.is_(True),
            DealEntry.deal_price_fen < Product.price_fen,
        )
        .order_by((Product.price_fen - DealEntry.deal_price_fen).desc(), Product.id)
        .limit(max(0, limit))
        .offset(max(0, offset))
    )
    rows = await uow.session.execute(statement)
    return [(product, price) for product, price in rows]


async def count_deals(uow: UnitOfWork, day: dt.date) -> int:
    """How many products the day's deals zone shows (the business promises at least 200)."""
    statement = (
        select(func.count())
        .select_from(DealEntry)
        .join(Product, DealEntry.product_id == Product.id)
        .where(
            DealEntry.deal_date == day,
            Product.active.is_(True),
            DealEntry.deal_price_fen < Product.price_fen,
        )
    )
    return int(await uow.session.scalar(statement) or 0)


async def set_deal(uow: UnitOfWork, day: dt.date, sku: str, deal_price_fen: int) -> DealEntry:
    """Put a product in the day's deals zone, or change its deal price there."""
    product = await product_by_sku(uow, sku)
    if not product.active:
        raise ProductUnavailable(sku=product.sku)
    if isinstance(deal_price_fen, bool) or not isinstance(deal_price_fen, int):
        raise InvalidInput(field="deal_price_fen", reason="must be integer fen")
    if not 0 < deal_price_fen < product.price_fen:
        raise InvalidInput(
            field="deal_price_fen", reason=f"must be above 0 and below {product.price_fen} fen"
        )
    entry = await uow.session.scalar(
        select(DealEntry).where(DealEntry.deal_date == day, DealEntry.product_id == product.id)
    )
    if entry is None:
        entry = DealEntry(deal_date=day, product_id=product.id, deal_price_fen=deal_price_fen)
        uow.session.add(entry)
    else:
        entry.deal_price_fen = deal_price_fen
    await uow.session.flush()
    return entry


async def deal_prices(
    uow: UnitOfWork, day: dt.date, product_ids: Collection[int]
) -> dict[int, int]:
    """Deal price by product id for a cart's products, so pricing never sees a stale "deal"."""
    if not product_ids:
        return {}
    rows = await uow.session.execute(_DEAL_PRICES, {"day": day, "ids": sorted(set(product_ids))})
    return {product_id: price for product_id, price in rows}


# Built once: every card and list asks, and building the statement cost more than running it.
_DEAL_PRICES = (
    select(DealEntry.product_id, DealEntry.deal_price_fen)
    .join(Product, DealEntry.product_id == Product.id)
    .where(
        DealEntry.deal_date == bindparam("day"),
        DealEntry.product_id.in_(bindparam("ids", expanding=True)),
        DealEntry.deal_price_fen < Product.price_fen,
    )
)
