"""The partner's evening: one pick list for the shelves, one run sheet for the doors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from core.delivery.batches import pick_list, room_key, run_sheet
from core.delivery.crates import collect, schedule_pickup
from core.errors import NotFound
from core.models import Customer, Order, OrderLine
from core.orders.lifecycle import cancel_by_customer, record_payment
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_aisle,
    make_bound_customer,
    make_gift_rule,
    make_product,
    make_unit_with_partner,
    place,
)

MONDAY = dt.date(2026, 11, 23)
JUJUBE_NOTE = "每天7颗最好，多吃易胀气；湿热体质不宜"


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
    await make_aisle(db, "grain", sort_order=1, name_zh="粮油", name_en="Grain & oil")
    await make_aisle(db, "drinks", sort_order=2, name_zh="饮料", name_en="Drinks")
    await make_aisle(db, "snacks", sort_order=3, name_zh="零食", name_en="Snacks")
    products = {
        "rice": await make_product(db, "RICE", price_fen=4590, category_code="grain"),
        "oil": await make_product(db, "OIL", price_fen=6990, category_code="grain"),
        "cola": await make_product(db, "COLA", price_fen=300, category_code="drinks"),
        "feet": await make_product(db, "FEET", price_fen=2590, category_code="snacks"),
        "gloves": await make_product(db, "GLOVES", price_fen=50, stock=0, category_code="snacks"),
        "jujube": await make_product(
            db, "JUJUBE", price_fen=3990, care_note_zh=JUJUBE_NOTE, category_code="snacks"
        ),
        "jujube_gift": await make_product(
            db, "JUJUBE-S", price_fen=990, care_note_zh=JUJUBE_NOTE, category_code="snacks"
        ),
    }
    await make_gift_rule(db, products["feet"], products["gloves"], gift_stock=10)
    return setup, products


def test_rooms_sort_naturally():
    rooms = ["2-1201", "1201", "2-301", "301", "B12", "B3", None]
    assert sorted(rooms, key=room_key) == [None, "2-301", "2-1201", "301", "1201", "B3", "B12"]


async def test_the_pick_list_sums_three_orders_by_aisle_with_gifts_apart(db, shop):
    setup, p = shop
    first = await make_bound_customer(db, setup, building=0, room="101")
    second = await make_bound_customer(db, setup, building=1, room="201")
    third = await make_bound_customer(db, setup, building=2, room="301")
    await place(db, first, [(p["cola"], 2), (p["rice"], 1), (p["feet"], 1)])
    await place(db, second, [(p["cola"], 1), (p["feet"], 2)])
    await place(db, third, [(p["rice"], 3), (p["oil"], 1)])

    picks = await _read(db, pick_list, setup.unit.id, MONDAY)

    assert picks.order_count == 3
    assert [(i.sku, i.quantity) for i in picks.items] == [
        ("OIL", 1),
        ("RICE", 4),
        ("COLA", 3),
        ("FEET", 3),
    ]
    assert [(g.sku, g.quantity) for g in picks.gifts] == [("GLOVES", 2)]
    rice = picks.items[1]
    assert (rice.name_en, rice.unit_zh, rice.category_en) == ("Product RICE", "瓶", "Grain & oil")


async def test_cancelled_orders_and_other_evenings_stay_off_the_batches(db, clock, shop):
    setup, p = shop
    keeps = await make_bound_customer(db, setup, building=0, room="101")
    changes_mind = await make_bound_customer(db, setup, building=0, room="102")
    await place(db, keeps, [(p["cola"], 2)])
    gone = (await place(db, changes_mind, [(p["cola"], 5), (p["feet"], 1)])).order
    await _run(db, cancel_by_customer, customer_id=changes_mind.id, order_id=gone.id)
    clock.set(shanghai(2026, 11, 23, 15, 0))
    await place(db, changes_mind, [(p["oil"], 1)])  # after the cutoff: tomorrow's run

    picks = await _read(db, pick_list, setup.unit.id, MONDAY)
    sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)
    tomorrow = await _read(db, pick_list, setup.unit.id, dt.date(2026, 11, 24))

    assert picks.order_count == 1
    assert [(i.sku, i.quantity) for i in picks.items] == [("COLA", 2)]
    assert picks.gifts == ()
    assert [s.customer_id for s in sheet.stops] == [keeps.id]
    assert [(i.sku, i.quantity) for i in tomorrow.items] == [("OIL", 1)]


async def test_the_run_sheet_walks_buildings_in_order_then_rooms_naturally(db, shop):
    setup, p = shop
    addresses = [(2, "301"), (0, "1201"), (1, "3-1201"), (0, "301"), (1, "3-301")]
    for building, room in addresses:
        customer = await make_bound_customer(db, setup, building=building, room=room)
        await place(db, customer, [(p["cola"], 1)])

    sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)

    assert [(s.building_label, s.room) for s in sheet.stops] == [
        ("1栋", "301"),
        ("1栋", "1201"),
        ("2栋", "3-301"),
        ("2栋", "3-1201"),
        ("3栋", "301"),
    ]
    assert sheet.order_count == 5
    assert all(s.kind == "order" and s.status == "placed" for s in sheet.stops)
    assert all(s.order_no and s.order_id for s in sheet.stops)


async def test_each_stop_carries_its_items_care_notes_gifts_and_phone(db, shop):
    setup, p = shop
    customer = await make_bound_customer(db, setup, room="1201", phone="13812345678")
    order = (
        await place(
            db, customer, [(p["jujube"], 1), (p["jujube_gift"], 2), (p["feet"], 1), (p["cola"], 3)]
        )
    ).order

    (stop,) = (await _read(db, run_sheet, setup.unit.id, MONDAY)).stops

    assert (stop.order_no, stop.order_id, stop.phone) == (order.order_no, order.id, "13812345678")
    assert sorted((i.sku, i.quantity, i.unit_zh) for i in stop.items) == [
        ("COLA", 3, "瓶"),
        ("FEET", 1, "瓶"),
        ("JUJUBE", 1, "瓶"),
        ("JUJUBE-S", 2, "瓶"),
    ]
    assert [(n.note_zh, n.note_en) for n in stop.care_notes] == [(JUJUBE_NOTE, "care")]
    assert stop.care_notes[0].sku in {"JUJUBE", "JUJUBE-S"}
    assert [(g.sku, g.quantity, g.name_en) for g in stop.gifts] == [("GLOVES", 1, "Product GLOVES")]


async def test_care_notes_read_as_they_were_at_checkout(db, shop):
    setup, p = shop
    customer = await make_bound_customer(db, setup)
    await place(db, customer, [(p["jujube"], 1)])
    async with db.uow() as uow:
        product = await uow.session.get(type(p["jujube"]), p["jujube"].id)
        product.care_note_zh = "改过的说明"
        await uow.commit()

    (stop,) = (await _read(db, run_sheet, setup.unit.id, MONDAY)).stops
    assert [n.note_zh for n in stop.care_notes] == [JUJUBE_NOTE]


async def test_the_amount_to_collect_drops_to_zero_once_paid(db, shop):
    setup, p = shop
    payer = await make_bound_customer(db, setup, room="101")
    owes = await make_bound_customer(db, setup, room="102")
    paid_order = (await place(db, payer, [(p["cola"], 2)])).order
    open_order = (await place(db, owes, [(p["rice"], 2)])).order
    await _run(db, record_payment, order_id=paid_order.id, method="transfer")

    sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)

    amounts = {s.order_no: s.amount_to_collect_fen for s in sheet.stops}
    assert amounts == {paid_order.order_no: 0, open_order.order_no: open_order.total_fen}
    assert open_order.total_fen == 9180
    assert sheet.amount_to_collect_fen == 9180


async def test_crates_to_collect_are_last_weeks_not_tonights(db, clock, shop):
    setup, p = shop
    customer = await make_bound_customer(db, setup)
    clock.set(shanghai(2026, 11, 16, 10))
    last_week = (await place(db, customer, [(p["cola"], 20)])).order
    await deliver_order(db, last_week.id)
    clock.set(shanghai(2026, 11, 23, 10))
    tonight = (await place(db, customer, [(p["cola"], 2)])).order

    (before,) = (await _read(db, run_sheet, setup.unit.id, MONDAY)).stops
    await deliver_order(db, tonight.id)
    (after,) = (await _read(db, run_sheet, setup.unit.id, MONDAY)).stops

    assert (before.crates_to_collect, before.pickup_booked, before.status) == (2, False, "placed")
    assert (after.crates_to_collect, after.status) == (2, "delivered")


async def test_a_booked_pickup_without_an_order_is_a_stop_of_its_own(db, clock, shop):
    setup, p = shop
    holder = await make_bound_customer(db, setup, building=2, room="601")
    orders_too = await make_bound_customer(db, setup, building=0, room="101")
    buyer = await make_bound_customer(db, setup, building=1, room="101")
    clock.set(shanghai(2026, 11, 16, 10))
    for customer in (holder, orders_too):
        await deliver_order(db, (await place(db, customer, [(p["cola"], 13)])).order.id)
    clock.set(shanghai(2026, 11, 23, 10))
    for customer in (holder, orders_too):
        await _run(db, schedule_pickup, customer_id=customer.id, day=MONDAY)
    await place(db, orders_too, [(p["rice"], 1)])
    await place(db, buyer, [(p["cola"], 1)])

    sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)

    assert [(s.kind, s.customer_id) for s in sheet.stops] == [
        ("order", orders_too.id),
        ("order", buyer.id),
        ("pickup", holder.id),
    ]
    first, second, pickup = sheet.stops
    assert (first.crates_to_collect, first.pickup_booked) == (2, True)
    assert (second.crates_to_collect, second.pickup_booked) == (0, False)
    assert (pickup.order_no, pickup.order_id, pickup.items, pickup.amount_to_collect_fen) == (
        None,
        None,
        (),
        0,
    )
    assert (pickup.building_label, pickup.room, pickup.crates_to_collect) == ("3栋", "601", 2)
    assert (pickup.status, pickup.pickup_booked) == ("scheduled", True)
    assert sheet.crates_to_collect == 4
    assert sheet.order_count == 2


async def test_two_orders_of_one_household_ask_for_the_crates_once(db, clock, shop):
    setup, p = shop
    customer = await make_bound_customer(db, setup)
    clock.set(shanghai(2026, 11, 16, 10))
    await deliver_order(db, (await place(db, customer, [(p["cola"], 1)])).order.id)
    clock.set(shanghai(2026, 11, 23, 10))
    await place(db, customer, [(p["cola"], 1)])
    await place(db, customer, [(p["rice"], 1)])

    sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)

    assert [s.crates_to_collect for s in sheet.stops] == [1, 0]


async def test_batches_of_an_unknown_unit_are_not_found(db):
    with pytest.raises(NotFound):
        await _read(db, run_sheet, 999, MONDAY)
    with pytest.raises(NotFound):
        await _read(db, pick_list, 999, MONDAY)


async def _bulk_orders(db, setup, products, count: int) -> None:
    """Write ``count`` orders straight into the tables: volume, not checkout, is under test."""
    async with db.uow() as uow:
        now = uow.clock.now()
        for n in range(count):
            building, room = n % 3, f"{n % 30 + 1}-{n // 30 + 1}01"
            customer = Customer(
                unit_id=setup.unit.id,
                building_id=setup.building_ids[building],
                room=room,
                phone=f"139{n:08d}",
                created_at=now,
                bound_at=now,
            )
            uow.session.add(customer)
            await uow.session.flush()
            order = Order(
                order_no=f"261123-{n:06d}",
                customer_id=customer.id,
                unit_id=setup.unit.id,
                building_id=customer.building_id,
                room=room,
                phone=customer.phone,
                idempotency_key=f"bulk-{n}",
                status="placed",
                delivery_date=MONDAY,
                window_start=dt.time(18),
                window_end=dt.time(21),
                goods_fen=1000,
                shipping_fen=300,
                total_fen=1300,
                reference_fen=1100,
                saving_fen=100,
                placed_at=now,
            )
            uow.session.add(order)
            await uow.session.flush()
            for product in products:
                uow.session.add(
                    OrderLine(
                        order_id=order.id,
                        product_id=product.id,
                        sku=product.sku,
                        name_zh=product.name_zh,
                        name_en=product.name_en,
                        unit_zh="瓶",
                        unit_en="bottle",
                        quantity=2,
                        unit_price_fen=100,
                        list_price_fen=100,
                        reference_price_fen=110,
                        line_fen=200,
                        care_note_zh=product.care_note_zh,
                    )
                )
        await uow.commit()


async def test_three_hundred_orders_take_a_fixed_handful_of_queries(db, shop):
    setup, p = shop
    products = [p["rice"], p["cola"], p["feet"], p["jujube"], p["oil"]]
    await _bulk_orders(db, setup, products, 300)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        sheet = await _read(db, run_sheet, setup.unit.id, MONDAY)
        picks = await _read(db, pick_list, setup.unit.id, MONDAY)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)

    assert len(sheet.stops) == 300 and picks.order_count == 300
    assert all(len(stop.items) == 5 for stop in sheet.stops)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 8


async def test_a_pickup_whose_crates_all_came_back_is_not_a_stop(db, clock, shop):
    setup, p = shop
    holder = await make_bound_customer(db, setup)
    clock.set(shanghai(2026, 11, 16, 10))
    await deliver_order(db, (await place(db, holder, [(p["cola"], 1)])).order.id)
    clock.set(shanghai(2026, 11, 23, 10))
    await _run(db, schedule_pickup, customer_id=holder.id, day=dt.date(2026, 11, 25))
    await _run(db, collect, customer_id=holder.id, quantity=1)  # handed back early

    sheet = await _read(db, run_sheet, setup.unit.id, dt.date(2026, 11, 25))
    assert sheet.stops == ()


async def test_a_pickup_done_tonight_stays_on_the_sheet_as_done(db, clock, shop):
    setup, p = shop
    holder = await make_bound_customer(db, setup)
    clock.set(shanghai(2026, 11, 16, 10))
    await deliver_order(db, (await place(db, holder, [(p["cola"], 1)])).order.id)
    clock.set(shanghai(2026, 11, 23, 10))
    await _run(db, schedule_pickup, customer_id=holder.id, day=MONDAY)
    clock.set(shanghai(2026, 11, 23, 19))
    await _run(db, collect, customer_id=holder.id, quantity=1)

    (stop,) = (await _read(db, run_sheet, setup.unit.id, MONDAY)).stops
    assert (stop.kind, stop.status, stop.crates_to_collect) == ("pickup", "done", 0)
