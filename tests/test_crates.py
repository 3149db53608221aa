"""Crates go out with each delivery, come back at the next, and are chased when overdue."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from core.delivery.crates import (
    balance,
    cancel_pickup,
    collect,
    crates_for,
    deliver,
    open_pickups,
    overdue,
    schedule_pickup,
    unit_balance,
)
from core.errors import CrateError, IllegalTransition, InvalidInput, NotFound
from core.models import CrateMovement, CratePickup, Order
from core.orders.lifecycle import cancel_by_customer, refund
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_gift_rule,
    make_product,
    make_unit_with_partner,
    place,
    send_out,
)

MONDAY = dt.date(2026, 11, 23)


async def _run(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


async def _read(db, action, *args, **kwargs):
    async with db.uow() as uow:
        return await action(uow, *args, **kwargs)


@pytest.fixture
async def shop(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, building=1, room="3-301", phone="13900000000")
    cola = await make_product(db, "COLA", price_fen=300, stock=500)
    return setup, customer, cola


async def _delivered(db, clock, customer, product, quantity, *, on=MONDAY, crates=None):
    """Order in the morning of ``on``, delivered at 19:00 that evening."""
    clock.set(shanghai(on.year, on.month, on.day, 10))
    order = (await place(db, customer, [(product, quantity)])).order
    clock.set(shanghai(on.year, on.month, on.day, 19))
    await deliver_order(db, order.id, crates=crates)
    return order


def test_crates_are_whole_and_any_order_needs_one():
    assert [crates_for(n, 12) for n in (0, 1, 11, 12, 13, 24, 25)] == [0, 1, 1, 1, 2, 2, 3]


def test_a_crate_size_below_one_is_a_configuration_bug():
    with pytest.raises(ValueError):
        crates_for(3, 0)


async def test_delivery_issues_crates_for_the_paid_items_but_not_the_gifts(db, clock, shop):
    setup, customer, cola = shop
    gloves = await make_product(db, "GLOVES", price_fen=50, stock=0)
    await make_gift_rule(db, cola, gloves, gift_stock=5)
    order = await _delivered(db, clock, customer, cola, 12)

    async with db.uow() as uow:
        stored = await uow.session.get(Order, order.id)
        movements = (await uow.session.scalars(select(CrateMovement))).all()
        held = await balance(uow, customer.id)
    assert stored.status == "delivered" and stored.crates_issued == 1
    assert [(m.kind, m.quantity, m.order_id, m.unit_id) for m in movements] == [
        ("issued", 1, order.id, setup.unit.id)
    ]
    assert held == 1


async def test_thirteen_items_need_two_crates(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 13)
    assert await _read(db, balance, customer.id) == 2


async def test_a_retried_delivery_tap_issues_crates_once(db, clock, shop):
    _, customer, cola = shop
    order = await _delivered(db, clock, customer, cola, 3)
    assert await _run(db, deliver, order.id) is False
    assert await _run(db, deliver, order.id, crates=5, collected=1) is False
    assert await _read(db, balance, customer.id) == 1


async def test_an_order_not_yet_out_for_delivery_cannot_be_delivered(db, shop):
    _, customer, cola = shop
    order = (await place(db, customer, [(cola, 3)])).order
    with pytest.raises(IllegalTransition):
        await _run(db, deliver, order.id)
    assert await _read(db, balance, customer.id) == 0


async def test_the_partner_may_count_crates_and_take_back_last_weeks_at_the_door(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 20)
    assert await _read(db, balance, customer.id) == 2
    clock.set(shanghai(2026, 11, 30, 10))
    second = (await place(db, customer, [(cola, 2)])).order
    clock.set(shanghai(2026, 11, 30, 19))
    await deliver_order(db, second.id, crates=1, collected=2)
    assert await _read(db, balance, customer.id) == 1


async def test_returning_more_crates_than_held_at_the_door_refuses_the_delivery(db, clock, shop):
    _, customer, cola = shop
    order = (await place(db, customer, [(cola, 2)])).order
    await send_out(db, order.id)
    with pytest.raises(CrateError) as refused:
        await _run(db, deliver, order.id, collected=1)
    assert refused.value.reason == "more_than_held"
    async with db.uow() as uow:
        assert (await uow.session.get(Order, order.id)).status == "out_for_delivery"


async def test_collecting_more_than_the_customer_holds_is_refused(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    with pytest.raises(CrateError) as refused:
        await _run(db, collect, customer_id=customer.id, quantity=2)
    assert refused.value.reason == "more_than_held" and refused.value.held == 1
    assert await _run(db, collect, customer_id=customer.id, quantity=1) == 0
    assert await _read(db, balance, customer.id) == 0


@pytest.mark.parametrize("quantity", [0, -1, True, 1.0, "1"])
async def test_collecting_a_silly_quantity_is_invalid(db, clock, shop, quantity):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    with pytest.raises(InvalidInput):
        await _run(db, collect, customer_id=customer.id, quantity=quantity)


async def test_balances_are_kept_per_customer_and_per_unit(db, clock, shop):
    setup, first, cola = shop
    second = await make_bound_customer(db, setup, building=0, room="501")
    other_unit = await make_unit_with_partner(db, code="huayuan")
    stranger = await make_bound_customer(db, other_unit, building=0, room="101")
    await _delivered(db, clock, first, cola, 30)
    await _delivered(db, clock, second, cola, 1)
    await _delivered(db, clock, stranger, cola, 12)
    await _run(db, collect, customer_id=first.id, quantity=1)

    async with db.uow() as uow:
        assert await balance(uow, first.id) == 2
        assert await balance(uow, second.id) == 1
        assert await balance(uow, stranger.id) == 1
        assert await unit_balance(uow, setup.unit.id) == 3
        assert await unit_balance(uow, other_unit.unit.id) == 1


async def test_a_customer_without_crates_cannot_book_a_pickup(db, shop):
    _, customer, _ = shop
    with pytest.raises(CrateError) as refused:
        await _run(db, schedule_pickup, customer_id=customer.id, day=MONDAY)
    assert refused.value.reason == "no_crates"


async def test_a_pickup_in_the_past_is_refused(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    clock.set(shanghai(2026, 11, 25, 9))
    with pytest.raises(CrateError) as refused:
        await _run(db, schedule_pickup, customer_id=customer.id, day=dt.date(2026, 11, 24))
    assert refused.value.reason == "day_in_past"


async def test_a_pickup_tonight_after_the_window_has_closed_is_refused(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    clock.set(shanghai(2026, 11, 23, 21, 0))
    with pytest.raises(CrateError) as refused:
        await _run(db, schedule_pickup, customer_id=customer.id, day=MONDAY)
    assert refused.value.reason == "window_closed"
    tomorrow = await _run(db, schedule_pickup, customer_id=customer.id, day=dt.date(2026, 11, 24))
    assert tomorrow.pickup_date == dt.date(2026, 11, 24)


async def test_a_pickup_tonight_during_the_window_is_booked(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    clock.set(shanghai(2026, 11, 23, 20, 59))
    pickup = await _run(db, schedule_pickup, customer_id=customer.id, day=MONDAY)
    assert (pickup.status, pickup.requested_by, pickup.pickup_date) == (
        "scheduled",
        "customer",
        MONDAY,
    )


async def test_a_pickup_may_be_booked_two_weeks_ahead_but_not_further(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    fortnight = MONDAY + dt.timedelta(days=14)
    assert (await _run(db, schedule_pickup, customer_id=customer.id, day=fortnight)).id
    with pytest.raises(CrateError) as refused:
        await _run(
            db, schedule_pickup, customer_id=customer.id, day=fortnight + dt.timedelta(days=1)
        )
    assert refused.value.reason == "too_far_ahead"


async def test_booking_the_same_evening_twice_keeps_one_pickup(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    day = dt.date(2026, 11, 26)
    first = await _run(db, schedule_pickup, customer_id=customer.id, day=day)
    again = await _run(
        db, schedule_pickup, customer_id=customer.id, day=day, requested_by="partner"
    )
    assert again.id == first.id
    async with db.uow() as uow:
        assert len((await uow.session.scalars(select(CratePickup))).all()) == 1
        assert [p.id for p in await open_pickups(uow, customer.id)] == [first.id]


async def test_a_pickup_requested_by_a_stranger_role_is_invalid(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    with pytest.raises(InvalidInput):
        await _run(db, schedule_pickup, customer_id=customer.id, day=MONDAY, requested_by="hq")


async def test_a_customer_cancels_their_own_pickup_but_not_anothers(db, clock, shop):
    setup, customer, cola = shop
    neighbour = await make_bound_customer(db, setup, building=0, room="101")
    await _delivered(db, clock, customer, cola, 3)
    pickup = await _run(db, schedule_pickup, customer_id=customer.id, day=dt.date(2026, 11, 26))
    with pytest.raises(NotFound):
        await _run(db, cancel_pickup, customer_id=neighbour.id, pickup_id=pickup.id)
    assert await _run(db, cancel_pickup, customer_id=customer.id, pickup_id=pickup.id) is True
    assert await _run(db, cancel_pickup, customer_id=customer.id, pickup_id=pickup.id) is False
    assert await _read(db, open_pickups, customer.id) == []


async def test_collecting_the_last_crate_completes_tonights_pickup(db, clock, shop):
    _, customer, cola = shop
    await _delivered(db, clock, customer, cola, 30)
    clock.set(shanghai(2026, 11, 26, 9))
    pickup = await _run(db, schedule_pickup, customer_id=customer.id, day=dt.date(2026, 11, 26))
    clock.set(shanghai(2026, 11, 26, 19))
    await _run(db, collect, customer_id=customer.id, quantity=2)
    async with db.uow() as uow:
        assert (await uow.session.get(CratePickup, pickup.id)).status == "scheduled"
    await _run(db, collect, customer_id=customer.id, quantity=1)
    async with db.uow() as uow:
        done = await uow.session.get(CratePickup, pickup.id)
    assert done.status == "done" and done.done_at is not None
    with pytest.raises(CrateError) as refused:
        await _run(db, cancel_pickup, customer_id=customer.id, pickup_id=pickup.id)
    assert refused.value.reason == "pickup_done"


async def test_crates_out_thirteen_days_are_not_yet_overdue_but_fourteen_are(db, clock, shop):
    setup, customer, cola = shop
    await _delivered(db, clock, customer, cola, 14)
    async with db.uow() as uow:
        assert await overdue(uow, setup.unit.id, today=dt.date(2026, 12, 6)) == []
        late = await overdue(uow, setup.unit.id, today=dt.date(2026, 12, 7))
    assert len(late) == 1
    entry = late[0]
    assert (entry.customer_id, entry.building_label, entry.room, entry.phone) == (
        customer.id,
        "2栋",
        "3-301",
        "13900000000",
    )
    assert (entry.crates, entry.days_out, entry.last_delivered_on) == (2, 14, MONDAY)


async def test_overdue_defaults_to_the_business_date_of_the_clock(db, clock, shop):
    setup, customer, cola = shop
    await _delivered(db, clock, customer, cola, 1)
    clock.set(shanghai(2026, 12, 7, 0, 30))  # still 6 December in UTC
    assert [e.customer_id for e in await _read(db, overdue, setup.unit.id)] == [customer.id]


async def test_a_customer_who_ordered_again_is_not_overdue(db, clock, shop):
    setup, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    clock.set(shanghai(2026, 11, 30, 10))
    await place(db, customer, [(cola, 1)])
    assert await _read(db, overdue, setup.unit.id, today=dt.date(2026, 12, 20)) == []


async def test_a_cancelled_order_does_not_excuse_overdue_crates(db, clock, shop):
    setup, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    clock.set(shanghai(2026, 11, 30, 10))
    again = (await place(db, customer, [(cola, 1)])).order
    await _run(db, cancel_by_customer, customer_id=customer.id, order_id=again.id)
    late = await _read(db, overdue, setup.unit.id, today=dt.date(2026, 12, 7))
    assert [e.customer_id for e in late] == [customer.id]


async def test_crates_all_returned_are_never_overdue(db, clock, shop):
    setup, customer, cola = shop
    await _delivered(db, clock, customer, cola, 3)
    await _run(db, collect, customer_id=customer.id, quantity=1)
    assert await _read(db, overdue, setup.unit.id, today=dt.date(2027, 1, 1)) == []


async def test_the_longest_out_come_first(db, clock, shop):
    setup, customer, cola = shop
    earlier = await make_bound_customer(db, setup, building=2, room="101")
    await _delivered(db, clock, earlier, cola, 1, on=dt.date(2026, 11, 20))
    await _delivered(db, clock, customer, cola, 1)
    late = await _read(db, overdue, setup.unit.id, today=dt.date(2026, 12, 10))
    assert [(e.customer_id, e.days_out) for e in late] == [(earlier.id, 20), (customer.id, 17)]


async def test_a_stale_delivered_tap_after_a_refund_changes_nothing(db, clock, shop):
    _, customer, cola = shop
    order = await _delivered(db, clock, customer, cola, 3)
    await _run(db, refund, order_id=order.id, reason="破损")
    assert await _run(db, deliver, order.id) is False
    assert await _read(db, balance, customer.id) == 1


async def test_two_delivered_taps_at_once_issue_crates_once(db, shop):
    _, customer, cola = shop
    order = (await place(db, customer, [(cola, 3)])).order
    await send_out(db, order.id)

    results = await asyncio.gather(_run(db, deliver, order.id), _run(db, deliver, order.id))

    assert sorted(results) == [False, True]
    assert await _read(db, balance, customer.id) == 1
