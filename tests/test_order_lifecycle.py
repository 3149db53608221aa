"""Orders move placed → picked → out for delivery → delivered, or are cancelled/refunded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.delivery.crates import deliver
from core.errors import CancelTooLate, IllegalTransition, InvalidInput, NotFound
from core.models import GiftRule, Order, Product, Promotion, Redemption
from core.orders.lifecycle import (
    advance,
    cancel_by_customer,
    cancel_by_hq,
    record_payment,
    refund,
)
from core.orders.status import Status
from tests.conftest import shanghai
from tests.factories import (
    make_bound_customer,
    make_gift_rule,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
)


async def _order(db, order_id) -> Order:
    async with db.uow() as uow:
        return await uow.session.get(Order, order_id)


async def _deliver(db, order_id):
    await _run(db, advance, order_id, Status.PICKED)
    await _run(db, advance, order_id, Status.OUT_FOR_DELIVERY)
    await _run(db, deliver, order_id)


async def _run(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


@pytest.fixture
async def shop(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    feet = await make_product(db, "FEET", price_fen=2590, stock=10)
    gloves = await make_product(db, "GLOVES", price_fen=50, stock=0)
    rule = await make_gift_rule(db, feet, gloves, gift_stock=5)
    await make_promotion(
        db,
        "WELCOME",
        benefit="amount_off",
        amount_off_fen=500,
        first_order_only=True,
        total_cap=10,
    )
    return setup, customer, feet, rule


async def test_an_order_walks_its_whole_life_with_a_timestamp_per_step(db, shop, clock):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order
    for step in (Status.PICKED, Status.OUT_FOR_DELIVERY):
        clock.advance(dt.timedelta(hours=1))
        assert await _run(db, advance, order.id, step)
    clock.advance(dt.timedelta(hours=1))
    assert await _run(db, deliver, order.id)
    done = await _order(db, order.id)
    assert done.status == "delivered"
    assert done.picked_at < done.out_for_delivery_at < done.delivered_at


async def test_skipping_steps_or_going_back_is_refused(db, shop):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order
    with pytest.raises(IllegalTransition) as refusal:
        await _run(db, advance, order.id, Status.OUT_FOR_DELIVERY)
    assert refusal.value.data["current"] == "placed"
    with pytest.raises(InvalidInput):
        await _run(db, advance, order.id, Status.DELIVERED)
    await _run(db, advance, order.id, Status.PICKED)
    with pytest.raises(IllegalTransition):
        await _run(db, advance, order.id, Status.PLACED)
    with pytest.raises(InvalidInput):
        await _run(db, advance, order.id, Status.CANCELLED)


async def test_repeating_the_last_step_changes_nothing(db, shop):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order
    assert await _run(db, advance, order.id, Status.PICKED) is True
    assert await _run(db, advance, order.id, Status.PICKED) is False


async def test_a_customer_cancelling_before_the_cutoff_gets_stock_promo_and_gift_back(db, shop):
    _setup, customer, feet, rule = shop
    order = (await place(db, customer, [(feet, 2)], promo_code="WELCOME")).order
    assert order.discount_fen == 500
    assert await _run(db, cancel_by_customer, customer_id=customer.id, order_id=order.id)
    async with db.uow() as uow:
        stock = await uow.session.scalar(select(Product.stock).where(Product.id == feet.id))
        gift_stock = await uow.session.scalar(
            select(GiftRule.gift_stock).where(GiftRule.id == rule.id)
        )
        redeemed = await uow.session.scalar(select(Promotion.redeemed_count))
        redemption = await uow.session.scalar(select(Redemption))
    assert (stock, gift_stock, redeemed) == (10, 5, 0)
    assert redemption.revoked_at is not None
    cancelled = await _order(db, order.id)
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "customer")
    # The code is usable again: the cancelled order no longer counts as a first order.
    again = (await place(db, customer, [(feet, 2)], promo_code="WELCOME")).order
    assert again.discount_fen == 500


async def test_a_customer_cannot_cancel_from_the_cutoff_on(db, shop, clock):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order  # placed 10:00 for tonight
    clock.set(shanghai(2026, 11, 23, 15, 0, 0))
    with pytest.raises(CancelTooLate) as refusal:
        await _run(db, cancel_by_customer, customer_id=customer.id, order_id=order.id)
    assert refusal.value.data["cutoff_at"] == shanghai(2026, 11, 23, 15, 0, 0)
    assert (await _order(db, order.id)).status == "placed"


async def test_an_order_placed_after_the_cutoff_can_be_cancelled_until_tomorrows_cutoff(
    db, shop, clock
):
    _setup, customer, feet, _rule = shop
    clock.set(shanghai(2026, 11, 23, 16, 0))
    order = (await place(db, customer, [(feet, 1)])).order
    clock.set(shanghai(2026, 11, 24, 14, 59, 59))
    assert await _run(db, cancel_by_customer, customer_id=customer.id, order_id=order.id)


async def test_a_customer_cannot_cancel_someone_elses_order(db, shop):
    setup, customer, feet, _rule = shop
    neighbour = await make_bound_customer(db, setup, room="502")
    order = (await place(db, customer, [(feet, 1)])).order
    with pytest.raises(NotFound):
        await _run(db, cancel_by_customer, customer_id=neighbour.id, order_id=order.id)


async def test_hq_can_cancel_a_picked_order_but_not_a_delivered_one(db, shop):
    _setup, customer, feet, _rule = shop
    picked = (await place(db, customer, [(feet, 1)])).order
    await _run(db, advance, picked.id, Status.PICKED)
    assert await _run(db, cancel_by_hq, order_id=picked.id, reason="supplier short")
    delivered = (await place(db, customer, [(feet, 1)])).order
    await _deliver(db, delivered.id)
    with pytest.raises(IllegalTransition):
        await _run(db, cancel_by_hq, order_id=delivered.id, reason="too late")
    with pytest.raises(InvalidInput):
        await _run(db, cancel_by_hq, order_id=delivered.id, reason="   ")


async def test_only_delivered_orders_are_refunded_and_refunds_do_not_restock(db, shop):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order
    with pytest.raises(IllegalTransition):
        await _run(db, refund, order_id=order.id, reason="bruised")
    await _deliver(db, order.id)
    assert await _run(db, refund, order_id=order.id, reason="bruised")
    assert not await _run(db, refund, order_id=order.id, reason="changed my mind")
    refunded = await _order(db, order.id)
    assert (refunded.status, refunded.cancel_reason) == ("refunded", "bruised")
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Product.stock).where(Product.id == feet.id)) == 9


async def test_payment_on_delivery_is_recorded_once(db, shop):
    _setup, customer, feet, _rule = shop
    order = (await place(db, customer, [(feet, 1)])).order
    with pytest.raises(InvalidInput):
        await _run(db, record_payment, order_id=order.id, method="bitcoin")
    assert await _run(db, record_payment, order_id=order.id, method="cash")
    assert not await _run(db, record_payment, order_id=order.id, method="transfer")
    paid = await _order(db, order.id)
    assert (paid.payment_method, paid.paid_fen) == ("cash", order.total_fen)
