"""The partner's customer list and card: walking order, last order, crates, consented flags only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from core.errors import NotFound
from core.models import Customer, Order
from core.orders.lifecycle import cancel_by_hq
from core.partners.customers import customer_card, unit_customers
from core.people.customers import set_household_profile
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)


async def _named(db, customer: Customer, name: str) -> None:
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        assert row is not None
        row.display_name = name
        await uow.commit()


async def _profile(db, customer: Customer, *, consent: bool, **flags: bool) -> None:
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        assert row is not None
        await set_household_profile(uow, row, consent=consent, **flags)
        await uow.commit()


async def _without_consent(db, customer: Customer, **flags: bool) -> None:
    """Flags somehow stored but never consented to (old data, a bug): still never shown."""
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        assert row is not None
        row.has_elderly = flags.get("elderly", False)
        row.has_children = flags.get("children", False)
        row.profile_consent_at = None
        await uow.commit()


async def _page(db, unit_id: int, page: int = 0, per_page: int = 8):
    async with db.uow() as uow:
        return await unit_customers(uow, unit_id, page=page, per_page=per_page)


async def _card(db, partner, customer_id: int):
    async with db.uow() as uow:
        return await customer_card(uow, partner, customer_id)


async def test_customers_are_listed_by_building_walk_order_then_natural_room_order(db):
    setup = await make_unit_with_partner(db)
    third = await make_bound_customer(db, setup, building=2, room="101")
    big = await make_bound_customer(db, setup, building=0, room="1201")
    small = await make_bound_customer(db, setup, building=0, room="301")
    middle = await make_bound_customer(db, setup, building=1, room="2-501")

    page = await _page(db, setup.unit.id)

    assert [row.customer_id for row in page.rows] == [small.id, big.id, middle.id, third.id]
    assert [row.building_label for row in page.rows] == ["1栋", "1栋", "2栋", "3栋"]
    assert page.total == 4 and page.pages == 1 and page.page == 0


async def test_a_row_shows_the_last_orders_shanghai_date_the_order_count_and_crates_out(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, room="301")
    cola = await make_product(db, "COLA", stock=100)
    clock.set(shanghai(2026, 11, 20, 0, 30))  # 16:30 UTC on the 19th: Shanghai's 20th
    first = await place(db, customer, [(cola, 1)])
    assert await deliver_order(db, first.order.id, crates=2)
    clock.set(shanghai(2026, 11, 23, 10, 0))
    later = await place(db, customer, [(cola, 1)])
    async with db.uow() as uow:
        await cancel_by_hq(uow, order_id=later.order.id, reason="out of stock")
        await uow.commit()

    (row,) = (await _page(db, setup.unit.id)).rows

    assert row.last_order_on == dt.date(2026, 11, 20)  # the cancelled order does not count
    assert row.orders == 1 and row.crates_out == 2


async def test_a_customer_who_never_ordered_has_no_last_order_and_no_crates(db):
    setup = await make_unit_with_partner(db)
    await make_bound_customer(db, setup)

    (row,) = (await _page(db, setup.unit.id)).rows

    assert row.last_order_on is None and row.orders == 0 and row.crates_out == 0


async def test_household_flags_show_only_when_the_customer_consented_to_share_them(db):
    setup = await make_unit_with_partner(db)
    shared = await make_bound_customer(db, setup, room="101")
    unshared = await make_bound_customer(db, setup, room="102")
    await _profile(db, shared, consent=True, elderly=True, pregnant=True)
    await _without_consent(db, unshared, elderly=True, children=True)

    rows = (await _page(db, setup.unit.id)).rows
    card = await _card(db, setup.partner, unshared.id)

    assert rows[0].flags == ("elderly", "pregnant")
    assert rows[1].flags == () and card.flags == ()


async def test_pages_split_the_list_and_a_page_past_the_end_shows_the_last_page(db):
    setup = await make_unit_with_partner(db)
    for room in range(101, 111):
        await make_bound_customer(db, setup, room=str(room))

    first = await _page(db, setup.unit.id, page=0, per_page=4)
    beyond = await _page(db, setup.unit.id, page=99, per_page=4)
    before = await _page(db, setup.unit.id, page=-3, per_page=4)

    assert [row.room for row in first.rows] == ["101", "102", "103", "104"]
    assert first.pages == 3 and first.total == 10
    assert beyond.page == 2 and [row.room for row in beyond.rows] == ["109", "110"]
    assert before.page == 0


async def test_an_empty_unit_is_one_empty_page_not_an_error(db):
    setup = await make_unit_with_partner(db)

    page = await _page(db, setup.unit.id, page=5)

    assert page.rows == () and page.total == 0 and page.pages == 1 and page.page == 0


async def test_other_units_customers_are_not_on_the_list(db):
    mine = await make_unit_with_partner(db, "jinxiu")
    other = await make_unit_with_partner(db, "yuyuan")
    await make_bound_customer(db, other, room="101")

    assert (await _page(db, mine.unit.id)).total == 0


async def test_orders_are_aggregated_for_the_shown_page_only_whatever_the_units_size(db):
    setup = await make_unit_with_partner(db)
    for room in range(101, 131):
        await make_bound_customer(db, setup, room=str(room))
    statements: list[str] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append(f"{statement} {parameters}")

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await _page(db, setup.unit.id, page=1, per_page=8)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    on_orders = [s for s in statements if "FROM orders" in s]
    assert len(on_orders) == 1 and "GROUP BY" in on_orders[0]
    assert len(statements) <= 5  # walking order, page's people, orders, crates (+ begin)


async def test_the_card_shows_phone_last_three_orders_crates_and_booked_pickups(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, room="301", phone="13911112222")
    await _named(db, customer, "张阿姨")
    cola = await make_product(db, "COLA", price_fen=300, stock=100)
    numbers = []
    for day, quantity in ((16, 1), (18, 2), (19, 3), (20, 4)):
        clock.set(shanghai(2026, 11, day, 9, 0))
        placed = await place(db, customer, [(cola, quantity)])
        numbers.append(placed.order.order_no)
        assert await deliver_order(db, placed.order.id, crates=1)
    clock.set(shanghai(2026, 11, 23, 10, 0))
    from core.delivery.crates import schedule_pickup

    async with db.uow() as uow:
        await schedule_pickup(uow, customer_id=customer.id, day=dt.date(2026, 11, 24))
        await uow.commit()

    card = await _card(db, setup.partner, customer.id)

    assert card.display_name == "张阿姨" and card.phone == "13911112222"
    assert card.building_label == "1栋" and card.room == "301"
    assert [o.order_no for o in card.last_orders] == numbers[::-1][:3]
    assert card.last_orders[0].placed_on == dt.date(2026, 11, 20)
    assert card.last_orders[0].status == "delivered"
    assert card.orders == 4 and card.crates_out == 4
    assert card.open_pickups == (dt.date(2026, 11, 24),)


async def test_a_customer_of_another_unit_is_not_found_for_the_partner(db):
    mine = await make_unit_with_partner(db, "jinxiu")
    other = await make_unit_with_partner(db, "yuyuan")
    theirs = await make_bound_customer(db, other, room="101")

    with pytest.raises(NotFound) as refusal:
        await _card(db, mine.partner, theirs.id)
    with pytest.raises(NotFound) as missing:
        await _card(db, mine.partner, 987654)

    assert refusal.value.data == {"what": "customer", "key": theirs.id}
    assert missing.value.code == refusal.value.code


async def test_orders_a_customer_placed_in_another_unit_are_not_shown_to_this_partner(db, clock):
    setup = await make_unit_with_partner(db, "jinxiu")
    before = await make_unit_with_partner(db, "yuyuan")
    customer = await make_bound_customer(db, setup, room="301")
    cola = await make_product(db, "COLA", stock=100)
    clock.set(shanghai(2026, 11, 10, 9, 0))
    old = await place(db, customer, [(cola, 1)])
    clock.set(shanghai(2026, 11, 23, 10, 0))
    await place(db, customer, [(cola, 2)])
    async with db.uow() as uow:  # the first order was placed when they lived in yuyuan
        row = await uow.session.get(Order, old.order.id)
        assert row is not None
        row.unit_id = before.unit.id
        await uow.commit()

    (listed,) = (await _page(db, setup.unit.id)).rows
    card = await _card(db, setup.partner, customer.id)

    assert listed.orders == 1 and listed.last_order_on == dt.date(2026, 11, 23)
    assert card.orders == 1 and len(card.last_orders) == 1
    assert old.order.order_no not in [o.order_no for o in card.last_orders]
