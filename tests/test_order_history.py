"""A customer's orders as they read them: only their own, newest first, with what was on each;
the stars they gave, and the promotions an order or a button names."""

from __future__ import annotations

import pytest

from core.delivery.feedback import leave_feedback, rating_of
from core.orders.history import (
    order_by_id,
    order_confirmed_with,
    order_lines,
    own_order,
    paid_lines,
    recent_orders,
)
from core.orders.promotions import code_of, promotion_by_id, promotion_with_code
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_gift_rule,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
    read_uow,
)

UNKNOWN_ID = 999_999


@pytest.fixture
async def shop(db):
    """One unit, two neighbours and a cola."""
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, room="1201")
    neighbour = await make_bound_customer(db, setup, room="1202")
    cola = await make_product(db, "COLA", price_fen=300, stock=500)
    return customer, neighbour, cola


async def test_recent_orders_come_newest_first_and_stop_at_the_limit(db, clock, shop):
    customer, _, cola = shop
    placed = []
    for minutes in (0, 5, 10):
        clock.set(shanghai(2026, 11, 23, 10, minutes))
        placed.append((await place(db, customer, [(cola, 1)])).order.id)
    recent = await read_uow(db, recent_orders, customer.id, 2)
    assert [order.id for order in recent] == [placed[2], placed[1]]


async def test_recent_orders_go_by_when_they_were_placed_not_by_their_id(db, clock, shop):
    customer, _, cola = shop
    clock.set(shanghai(2026, 11, 23, 11))
    later = (await place(db, customer, [(cola, 1)])).order
    clock.set(shanghai(2026, 11, 23, 9))  # written second, yet placed first
    earlier = (await place(db, customer, [(cola, 1)])).order
    assert earlier.id > later.id
    recent = await read_uow(db, recent_orders, customer.id, 5)
    assert [order.id for order in recent] == [later.id, earlier.id]


async def test_recent_orders_show_no_other_customers_orders(db, shop):
    customer, neighbour, cola = shop
    mine = (await place(db, customer, [(cola, 1)])).order
    await place(db, neighbour, [(cola, 2)])
    assert [order.id for order in await read_uow(db, recent_orders, customer.id, 5)] == [mine.id]
    newcomer = await make_bound_customer(db, await make_unit_with_partner(db, code="other"))
    assert await read_uow(db, recent_orders, newcomer.id, 5) == []


async def test_an_own_order_is_found_by_its_id(db, shop):
    customer, _, cola = shop
    order = (await place(db, customer, [(cola, 3)])).order
    found = await read_uow(db, own_order, customer.id, order.id)
    assert found is not None
    assert (found.id, found.order_no, found.total_fen) == (order.id, order.order_no, 1200)


async def test_an_order_of_another_customer_reads_as_missing(db, shop):
    customer, neighbour, cola = shop
    order = (await place(db, customer, [(cola, 1)])).order
    assert await read_uow(db, own_order, neighbour.id, order.id) is None
    assert await read_uow(db, own_order, customer.id, UNKNOWN_ID) is None


async def test_the_partner_at_the_door_finds_any_order_by_its_id(db, shop):
    _, neighbour, cola = shop
    order = (await place(db, neighbour, [(cola, 1)])).order
    found = await read_uow(db, order_by_id, order.id)
    assert found is not None and (found.id, found.customer_id) == (order.id, neighbour.id)
    assert await read_uow(db, order_by_id, UNKNOWN_ID) is None


async def test_a_second_press_of_confirm_finds_the_order_of_the_first(db, shop):
    customer, neighbour, cola = shop
    mine = (await place(db, customer, [(cola, 1)], key="tap-1")).order
    theirs = (await place(db, neighbour, [(cola, 1)], key="tap-1")).order
    found = await read_uow(db, order_confirmed_with, customer.id, "tap-1")
    assert found is not None and found.id == mine.id
    found = await read_uow(db, order_confirmed_with, neighbour.id, "tap-1")
    assert found is not None and found.id == theirs.id
    assert await read_uow(db, order_confirmed_with, customer.id, "tap-2") is None
    assert await read_uow(db, order_confirmed_with, customer.id, "") is None


async def test_an_orders_lines_include_its_gift_but_what_was_paid_for_leaves_it_out(db, shop):
    customer, _, cola = shop
    feet = await make_product(db, "FEET", price_fen=2000)
    gloves = await make_product(db, "GLOVES", price_fen=500)
    await make_gift_rule(db, feet, gloves)
    order = (await place(db, customer, [(cola, 2), (feet, 1)])).order
    other = (await place(db, customer, [(gloves, 4)])).order
    lines = await read_uow(db, order_lines, order.id)
    assert [(line.sku, line.quantity, line.is_gift) for line in lines] == [
        ("COLA", 2, False),
        ("FEET", 1, False),
        ("GLOVES", 1, True),
    ]
    paid = await read_uow(db, paid_lines, order.id)
    assert [(line.sku, line.quantity, line.line_fen) for line in paid] == [
        ("COLA", 2, 600),
        ("FEET", 1, 2000),
    ]
    assert [line.sku for line in await read_uow(db, paid_lines, other.id)] == ["GLOVES"]
    assert await read_uow(db, order_lines, UNKNOWN_ID) == []


async def test_an_order_has_no_stars_until_its_customer_rates_it(db, clock, shop):
    customer, _, cola = shop
    rated = (await place(db, customer, [(cola, 1)])).order
    unrated = (await place(db, customer, [(cola, 2)])).order
    clock.set(shanghai(2026, 11, 23, 19))
    await deliver_order(db, rated.id)
    await deliver_order(db, unrated.id)
    assert await read_uow(db, rating_of, rated.id) is None
    async with db.uow() as uow:
        await leave_feedback(
            uow, customer_id=customer.id, order_id=rated.id, rating=4, comment=None
        )
        await uow.commit()
    assert await read_uow(db, rating_of, rated.id) == 4
    assert await read_uow(db, rating_of, unrated.id) is None


async def test_a_promotion_is_found_by_its_exact_code_or_its_id(db):
    save5 = await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500)
    await make_promotion(db, "SHIPFREE", benefit="free_shipping")
    found = await read_uow(db, promotion_with_code, "SAVE5")
    assert found is not None and found.id == save5.id
    assert await read_uow(db, promotion_with_code, "NOPE") is None
    assert await read_uow(db, promotion_with_code, "save5") is None  # the cart passes stored codes
    by_id = await read_uow(db, promotion_by_id, save5.id)
    assert by_id is not None and (by_id.code, by_id.amount_off_fen) == ("SAVE5", 500)
    assert await read_uow(db, promotion_by_id, UNKNOWN_ID) is None


async def test_the_code_of_a_promotion_is_what_customers_type(db, shop):
    customer, _, cola = shop
    await make_promotion(db, "SHIPFREE", benefit="free_shipping")
    save5 = await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500)
    order = (await place(db, customer, [(cola, 10)], promo_code="save5")).order
    assert order.promotion_id == save5.id
    assert await read_uow(db, code_of, order.promotion_id) == "SAVE5"
    assert await read_uow(db, code_of, UNKNOWN_ID) is None
