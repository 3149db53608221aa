"""Concurrent confirmations never oversell, never exceed a promo cap, never duplicate.

These run on SQLite locally and on PostgreSQL in CI (LINLI_TEST_DATABASE_URL), where
the row locks and conditional updates are what actually keep the numbers right.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.errors import OutOfStock, PromoCapReached
from core.models import Order, Product, Promotion, Redemption
from tests.factories import (
    make_bound_customer,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
)


async def _customers(db, setup, count):
    return [await make_bound_customer(db, setup, room=str(100 + i)) for i in range(count)]


async def _count(db, model) -> int:
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model))


async def test_fifty_customers_racing_for_ten_in_stock_make_exactly_ten_orders(db):
    setup = await make_unit_with_partner(db)
    customers = await _customers(db, setup, 50)
    eggs = await make_product(db, "EGGS", stock=10)
    results = await asyncio.gather(
        *(place(db, customer, [(eggs, 1)]) for customer in customers), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, OutOfStock) for r in refused), refused[:3]
    assert len(results) - len(refused) == 10
    assert await _count(db, Order) == 10
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Product.stock).where(Product.id == eggs.id)) == 0


async def test_a_promo_capped_at_twenty_is_redeemed_exactly_twenty_times_by_a_hundred(db):
    setup = await make_unit_with_partner(db)
    customers = await _customers(db, setup, 100)
    cola = await make_product(db, "COLA", stock=1000)
    await make_promotion(
        db,
        "FIRST20",
        benefit="amount_off",
        amount_off_fen=100,
        first_order_only=True,
        per_customer_limit=1,
        total_cap=20,
    )
    results = await asyncio.gather(
        *(place(db, c, [(cola, 1)], promo_code="FIRST20") for c in customers),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, PromoCapReached) for r in refused), refused[:3]
    assert len(refused) == 80
    assert await _count(db, Redemption) == 20
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Promotion.redeemed_count)) == 20
        discounted = await uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.discount_fen == 100)
        )
    assert discounted == 20


async def test_ten_simultaneous_taps_on_confirm_make_one_order(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA", stock=100)
    results = await asyncio.gather(
        *(place(db, customer, [(cola, 2)], key="confirm-7f3a") for _ in range(10))
    )
    assert len({placed.order.id for placed in results}) == 1
    assert sum(placed.created for placed in results) == 1
    assert await _count(db, Order) == 1
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Product.stock).where(Product.id == cola.id)) == 98
