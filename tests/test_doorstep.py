"""At the door: delivered, paid, crates back, nobody home — once each, and only in one's unit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.delivery.batches import run_sheet
from core.delivery.crates import balance
from core.delivery.doorstep import collect_crates, mark_absent, mark_delivered, mark_paid
from core.errors import IllegalTransition, InvalidInput, NotFound
from core.models import CommissionEntry, Order
from core.orders.lifecycle import cancel_by_hq
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)


async def _run(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


async def _read(db, action, *args, **kwargs):
    async with db.uow() as uow:
        return await action(uow, *args, **kwargs)


async def _earned(db) -> int:
    """Fees earned, payable or still held."""
    async with db.uow() as uow:
        return int(
            await uow.session.scalar(
                select(func.sum(CommissionEntry.amount_fen + CommissionEntry.held_fen))
            )
            or 0
        )


async def _order(db, order_id: int) -> Order:
    async with db.uow() as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None
        return order


@pytest.fixture
async def shop(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, room="301")
    cola = await make_product(db, "COLA", price_fen=300, stock=500)
    placed = await place(db, customer, [(cola, 2)])
    return setup, customer, cola, placed.order


async def test_delivering_a_placed_order_at_the_door_moves_it_along_and_pays_both_fees(db, shop):
    setup, customer, _, order = shop

    assert await _run(db, mark_delivered, setup.partner, order.id) is True

    assert (await _order(db, order.id)).status == "delivered"
    assert await _earned(db) == 300 + 2000
    assert await _read(db, balance, customer.id) == 1


async def test_marking_the_same_stop_delivered_twice_pays_the_fee_once(db, shop):
    setup, _, _, order = shop
    await _run(db, mark_delivered, setup.partner, order.id)

    assert await _run(db, mark_delivered, setup.partner, order.id) is False

    assert await _earned(db) == 300 + 2000


@pytest.mark.postgres
async def test_two_processes_marking_the_same_stop_delivered_at_once_pay_once(db, shop):
    setup, customer, _, order = shop

    results = await asyncio.gather(
        *(_run(db, mark_delivered, setup.partner, order.id) for _ in range(4))
    )

    assert sorted(results) == [False, False, False, True]
    assert await _earned(db) == 300 + 2000
    assert await _read(db, balance, customer.id) == 1


async def test_a_partner_of_another_unit_can_do_nothing_to_the_order(db, shop):
    _, customer, _, order = shop
    other = await make_unit_with_partner(db, code="other")

    for action, extra in (
        (mark_delivered, ()),
        (mark_paid, ("cash",)),
        (mark_absent, ()),
    ):
        with pytest.raises(NotFound):
            await _run(db, action, other.partner, order.id, *extra)
    with pytest.raises(NotFound):
        await _run(db, collect_crates, other.partner, count=1, order_id=order.id)
    with pytest.raises(NotFound):
        await _run(db, collect_crates, other.partner, count=1, customer_id=customer.id)

    unchanged = await _order(db, order.id)
    assert (unchanged.status, unchanged.paid_at, unchanged.absent_at) == ("placed", None, None)
    assert await _earned(db) == 0


async def test_paid_in_cash_is_recorded_once_with_the_order_total(db, shop):
    setup, _, _, order = shop

    assert await _run(db, mark_paid, setup.partner, order.id, "cash") is True
    assert await _run(db, mark_paid, setup.partner, order.id, "transfer") is False

    paid = await _order(db, order.id)
    assert (paid.payment_method, paid.paid_fen) == ("cash", order.total_fen)


async def test_a_payment_method_other_than_cash_or_transfer_is_refused(db, shop):
    setup, _, _, order = shop
    with pytest.raises(InvalidInput):
        await _run(db, mark_paid, setup.partner, order.id, "card")


async def test_crates_collected_is_a_total_per_stop_so_a_second_tap_takes_no_more(db, shop):
    setup, customer, cola, order = shop
    earlier = (await place(db, customer, [(cola, 1)])).order
    await deliver_order(db, earlier.id, crates=2)  # two crates at home
    assert await _read(db, balance, customer.id) == 2

    assert await _run(db, collect_crates, setup.partner, count=1, order_id=order.id) == 1
    assert await _run(db, collect_crates, setup.partner, count=1, order_id=order.id) == 1
    assert await _read(db, balance, customer.id) == 1
    assert await _run(db, collect_crates, setup.partner, count=2, order_id=order.id) == 2
    assert await _run(db, collect_crates, setup.partner, count=0, order_id=order.id) == 2
    assert await _read(db, balance, customer.id) == 0


async def test_crates_are_collected_at_a_pickup_only_door_by_customer(db, shop):
    setup, customer, _, order = shop
    await deliver_order(db, order.id)

    assert await _run(db, collect_crates, setup.partner, count=1, customer_id=customer.id) == 1
    assert await _run(db, collect_crates, setup.partner, count=1, customer_id=customer.id) == 1
    assert await _read(db, balance, customer.id) == 0


async def test_a_customer_found_absent_stays_undelivered_and_the_stop_says_so(db, shop):
    setup, _, _, order = shop

    assert await _run(db, mark_absent, setup.partner, order.id) is True
    assert await _run(db, mark_absent, setup.partner, order.id) is False

    sheet = await _read(db, run_sheet, setup.unit.id, order.delivery_date)
    assert [(stop.status, stop.absent) for stop in sheet.stops] == [("placed", True)]
    assert await _earned(db) == 0


async def test_delivering_after_an_absent_visit_clears_absent(db, shop):
    setup, _, _, order = shop
    await _run(db, mark_absent, setup.partner, order.id)

    await _run(db, mark_delivered, setup.partner, order.id)

    sheet = await _read(db, run_sheet, setup.unit.id, order.delivery_date)
    assert [(stop.status, stop.absent) for stop in sheet.stops] == [("delivered", False)]


async def test_a_cancelled_order_cannot_be_delivered_or_marked_absent(db, shop):
    setup, _, _, order = shop
    await _run(db, cancel_by_hq, order_id=order.id, reason="缺货")

    with pytest.raises(IllegalTransition):
        await _run(db, mark_delivered, setup.partner, order.id)
    with pytest.raises(IllegalTransition):
        await _run(db, mark_absent, setup.partner, order.id)
    assert await _earned(db) == 0
