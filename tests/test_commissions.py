"""Partners earn 20 yuan per net new household and 3 yuan per delivered order, exactly once.

The ledger is append-only; refunds write clawbacks, statements are sums of entries. The
new-customer fee is held first (``held_fen``, not payable): tests/test_households.py
covers its release and rejection.
"""

from __future__ import annotations

import asyncio
import io

import pytest
from sqlalchemy import func, select

from core.commissions.ledger import on_delivered
from core.commissions.statements import statement, statements_for, write_csv
from core.delivery.crates import deliver
from core.errors import InvalidInput
from core.models import CommissionEntry, Customer, Order
from core.orders.lifecycle import refund
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.people.units import buildings_of, create_unit
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
    send_out,
)

NEW = 2000
DELIVERY = 300


async def _entries(db) -> list[tuple[str, int, int | None, int | None]]:
    async with db.uow() as uow:
        rows = await uow.session.scalars(select(CommissionEntry).order_by(CommissionEntry.id))
        return [(e.kind, e.amount_fen, e.order_id, e.customer_id) for e in rows]


async def _total(db, partner_id: int) -> int:
    async with db.uow() as uow:
        total = await uow.session.scalar(
            select(func.coalesce(func.sum(CommissionEntry.amount_fen), 0)).where(
                CommissionEntry.partner_id == partner_id
            )
        )
    return int(total)


async def _held(db, partner_id: int) -> int:
    async with db.uow() as uow:
        total = await uow.session.scalar(
            select(func.coalesce(func.sum(CommissionEntry.held_fen), 0)).where(
                CommissionEntry.partner_id == partner_id
            )
        )
    return int(total)


async def _refund(db, order_id: int) -> bool:
    async with db.uow() as uow:
        changed = await refund(uow, order_id=order_id, reason="spoiled")
        await uow.commit()
    return changed


async def _delivered_order(db, customer, product) -> Order:
    placed = await place(db, customer, [(product, 1)])
    assert await deliver_order(db, placed.order.id)
    return placed.order


@pytest.fixture
async def shop(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", stock=100)
    return setup, cola


async def test_three_new_customers_each_delivered_once_earn_three_fees_of_each_kind(db, shop):
    setup, cola = shop
    for room in ("101", "102", "103"):
        customer = await make_bound_customer(db, setup, room=room)
        await _delivered_order(db, customer, cola)
    kinds = [kind for kind, *_ in await _entries(db)]
    assert sorted(kinds) == ["delivery"] * 3 + ["new_customer_held"] * 3
    assert await _total(db, setup.partner.id) == 3 * DELIVERY
    assert await _held(db, setup.partner.id) == 3 * NEW
    async with db.uow() as uow:
        november = await statement(uow, setup.partner.id, "2026-11")
    assert november.opening_fen == 0
    assert november.closing_fen == sum(line.amount_fen for line in november.lines) == 900
    assert november.closing_held_fen == 6000


async def test_delivering_the_same_order_twice_pays_once(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    order = await _delivered_order(db, customer, cola)
    async with db.uow() as uow:
        assert not await deliver(uow, order.id)
        await uow.commit()
    async with db.uow() as uow:  # even the ledger hook called again writes nothing
        loaded = await uow.session.get(Order, order.id)
        await on_delivered(uow, loaded)
        await uow.commit()
    assert len(await _entries(db)) == 2
    assert await _total(db, setup.partner.id) == DELIVERY
    assert await _held(db, setup.partner.id) == NEW


async def test_a_second_order_of_the_same_customer_earns_the_delivery_fee_only(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    first = await _delivered_order(db, customer, cola)
    second = await _delivered_order(db, customer, cola)
    assert await _entries(db) == [
        ("delivery", DELIVERY, first.id, customer.id),
        ("new_customer_held", 0, first.id, customer.id),
        ("delivery", DELIVERY, second.id, customer.id),
    ]


async def test_refunding_a_delivered_first_order_claws_back_both_fees(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    first = await _delivered_order(db, customer, cola)
    assert await _refund(db, first.id)
    kinds = [(kind, amount) for kind, amount, *_ in await _entries(db)]
    assert ("clawback_delivery", -DELIVERY) in kinds
    assert ("clawback_new_customer", 0) in kinds  # the held fee, given back while held
    assert await _total(db, setup.partner.id) == 0
    assert await _held(db, setup.partner.id) == 0


async def test_refunding_a_later_order_claws_back_only_its_delivery_fee(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    await _delivered_order(db, customer, cola)
    second = await _delivered_order(db, customer, cola)
    assert await _refund(db, second.id)
    assert (await _entries(db))[-1] == ("clawback_delivery", -DELIVERY, second.id, customer.id)
    assert await _total(db, setup.partner.id) == DELIVERY
    assert await _held(db, setup.partner.id) == NEW


async def test_refunding_twice_claws_back_once(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    first = await _delivered_order(db, customer, cola)
    assert await _refund(db, first.id)
    assert not await _refund(db, first.id)
    assert len(await _entries(db)) == 4
    assert await _total(db, setup.partner.id) == 0


async def test_a_new_customer_whose_first_order_was_refunded_never_earns_the_fee_later(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    first = await _delivered_order(db, customer, cola)
    await _refund(db, first.id)
    await _delivered_order(db, customer, cola)
    assert await _total(db, setup.partner.id) == DELIVERY
    assert await _held(db, setup.partner.id) == 0


async def test_an_order_without_a_partner_earns_nothing(db, shop):
    _, cola = shop
    async with db.uow() as uow:
        unit = await create_unit(
            uow, code="lonely", name_zh="空", name_en="Empty", area="浦东", buildings=["1栋"]
        )
        building = (await buildings_of(uow, unit.id))[0]
        customer = await customer_for_identity(uow, "telegram", "777001")
        await bind_to_unit(uow, customer, unit_id=unit.id)
        await set_address(uow, customer, building_id=building.id, room="101")
        await set_phone(uow, customer, "13900000001")
        await uow.commit()
    order = await _delivered_order(db, customer, cola)
    assert order.partner_id is None
    assert await _entries(db) == []


async def test_a_partner_ordering_from_their_own_telegram_account_earns_no_new_customer_fee(
    db, shop
):
    setup, cola = shop
    async with db.uow() as uow:
        own = await customer_for_identity(uow, "telegram", str(setup.partner.telegram_id))
        await bind_to_unit(uow, own, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, own, building_id=setup.building_ids[0], room="999")
        await set_phone(uow, own, "13900000002")
        await uow.commit()
    order = await _delivered_order(db, own, cola)
    assert await _entries(db) == [("delivery", DELIVERY, order.id, own.id)]


async def test_a_customer_who_came_without_a_partners_link_earns_only_delivery_fees(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    async with db.uow() as uow:
        loaded = await uow.session.get(Customer, customer.id)
        loaded.referred_by_partner_id = None
        await uow.commit()
    order = await _delivered_order(db, customer, cola)
    assert await _entries(db) == [("delivery", DELIVERY, order.id, customer.id)]


async def test_fees_follow_the_settings(db, shop, settings):
    setup, cola = shop
    db.settings = settings.model_copy(
        update={"new_customer_fee_fen": 2500, "delivery_fee_fen": 350}
    )
    customer = await make_bound_customer(db, setup)
    await _delivered_order(db, customer, cola)
    assert await _total(db, setup.partner.id) == 350
    assert await _held(db, setup.partner.id) == 2500


async def test_entries_are_dated_by_the_shanghai_month(db, shop, clock):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    placed = await place(db, customer, [(cola, 1)])
    await send_out(db, placed.order.id)
    clock.set(shanghai(2026, 12, 1, 0, 30))  # still 30 November in UTC
    async with db.uow() as uow:
        await deliver(uow, placed.order.id)
        await uow.commit()
    async with db.uow() as uow:
        months = set(await uow.session.scalars(select(CommissionEntry.month)))
    assert months == {"2026-12"}


async def test_the_opening_balance_of_december_equals_novembers_closing(db, shop, clock):
    setup, cola = shop
    first = await make_bound_customer(db, setup, room="101")
    await _delivered_order(db, first, cola)
    clock.set(shanghai(2026, 12, 7, 10, 0))
    second = await make_bound_customer(db, setup, room="102")
    late = await _delivered_order(db, second, cola)
    await _refund(db, late.id)
    another = await _delivered_order(db, first, cola)
    async with db.uow() as uow:
        november = await statement(uow, setup.partner.id, "2026-11")
        december = await statement(uow, setup.partner.id, "2026-12")
        january = await statement(uow, setup.partner.id, "2027-01")
    assert november.closing_fen == DELIVERY
    assert november.closing_held_fen == NEW
    assert december.opening_fen == november.closing_fen
    assert december.opening_held_fen == NEW
    assert [line.kind for line in december.lines] == [
        "delivery",
        "new_customer_held",
        "clawback_delivery",
        "clawback_new_customer",
        "delivery",
    ]
    assert december.lines[-1].order_id == another.id
    assert december.closing_fen == november.closing_fen + DELIVERY
    assert december.closing_fen == await _total(db, setup.partner.id)
    assert december.closing_held_fen == NEW  # the first household's fee, still held
    assert january.opening_fen == january.closing_fen == december.closing_fen
    assert january.lines == ()


async def test_statements_for_a_month_cover_each_partner_with_entries_and_filter_by_unit(db, shop):
    setup, cola = shop
    other = await make_unit_with_partner(db, code="meili")
    await make_unit_with_partner(db, code="quiet")  # no entries: no statement
    await _delivered_order(db, await make_bound_customer(db, setup), cola)
    await _delivered_order(db, await make_bound_customer(db, other), cola)
    async with db.uow() as uow:
        everyone = await statements_for(uow, "2026-11")
        meili = await statements_for(uow, "2026-11", unit_code="meili")
    assert [s.unit_code for s in everyone] == ["jinxiu", "meili"]
    assert [s.partner_id for s in meili] == [other.partner.id]
    out = io.StringIO()
    assert write_csv(everyone, out) == 2 * 3  # an opening row and two entries each
    assert out.getvalue().splitlines()[0].startswith("partner_id,partner,unit,month")


async def test_a_malformed_month_is_refused(db, shop):
    setup, _ = shop
    async with db.uow() as uow:
        for bad in ("2026-13", "2026-1", "November", ""):
            with pytest.raises(InvalidInput):
                await statement(uow, setup.partner.id, bad)


@pytest.mark.postgres
async def test_two_concurrent_deliveries_of_the_same_order_pay_once(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    placed = await place(db, customer, [(cola, 1)])
    await send_out(db, placed.order.id)

    async def tap() -> bool:
        async with db.uow() as uow:
            changed = await deliver(uow, placed.order.id)
            await uow.commit()
        return changed

    results = await asyncio.gather(*(tap() for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert await _total(db, setup.partner.id) == DELIVERY
    assert await _held(db, setup.partner.id) == NEW
    assert len(await _entries(db)) == 2


@pytest.mark.postgres
async def test_two_processes_writing_the_same_events_without_the_order_lock_pay_once(db, shop):
    setup, cola = shop
    customer = await make_bound_customer(db, setup)
    placed = await place(db, customer, [(cola, 1)])
    await send_out(db, placed.order.id)
    async with db.uow() as uow:  # delivered without the ledger: only the unique key guards now
        loaded = await uow.session.get(Order, placed.order.id)
        loaded.status = "delivered"
        loaded.delivered_at = uow.clock.now()
        await uow.commit()

    async def replay() -> None:
        async with db.uow() as uow:
            loaded = await uow.session.get(Order, placed.order.id)
            await on_delivered(uow, loaded)
            await asyncio.sleep(0.05)  # hold the transaction open so the inserts overlap
            await uow.commit()

    await asyncio.gather(*(replay() for _ in range(4)))
    assert await _total(db, setup.partner.id) == DELIVERY
    assert await _held(db, setup.partner.id) == NEW
    assert len(await _entries(db)) == 2
