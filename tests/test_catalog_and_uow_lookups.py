"""Products and aisles behind a button's id, and the unit of work's savepoint and refresh."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.catalog.search import category_by_id, product_by_id, products_by_ids
from core.errors import InvalidInput
from core.models import Customer, Product
from core.people.customers import customer_by_id, set_address, set_phone
from tests.factories import (
    make_aisle,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    read_uow,
)

UNKNOWN_ID = 999_999


async def test_a_product_is_found_by_id_even_when_no_longer_listed(db):
    cola = await make_product(db, "COLA", price_fen=300)
    async with db.uow() as uow:
        await uow.session.execute(update(Product).where(Product.id == cola.id).values(active=False))
        await uow.commit()
    found = await read_uow(db, product_by_id, cola.id)
    assert found is not None and (found.sku, found.price_fen, found.active) == ("COLA", 300, False)
    assert await read_uow(db, product_by_id, UNKNOWN_ID) is None


async def test_products_by_ids_gives_the_ones_asked_for_and_leaves_out_missing_ids(db):
    cola = await make_product(db, "COLA")
    tea = await make_product(db, "TEA")
    await make_product(db, "RICE")
    found = await read_uow(db, products_by_ids, [tea.id, UNKNOWN_ID, cola.id])
    assert {product_id: product.sku for product_id, product in found.items()} == {
        cola.id: "COLA",
        tea.id: "TEA",
    }
    assert await read_uow(db, products_by_ids, [UNKNOWN_ID]) == {}
    assert await read_uow(db, products_by_ids, []) == {}


async def test_an_aisle_is_found_by_id(db):
    await make_aisle(db, "drinks", sort_order=1, name_zh="饮料")
    snacks = await make_aisle(db, "snacks", sort_order=2, name_zh="零食", name_en="Snacks")
    found = await read_uow(db, category_by_id, snacks.id)
    assert found is not None and (found.code, found.name_zh) == ("snacks", "零食")
    assert await read_uow(db, category_by_id, UNKNOWN_ID) is None


@pytest.fixture
async def customer(db):
    """A customer in room 1201 of building 1, with phone 13900000000."""
    setup = await make_unit_with_partner(db)
    return setup, await make_bound_customer(db, setup, building=0, room="1201")


async def test_a_refused_step_inside_a_savepoint_is_undone_and_earlier_work_is_kept(db, customer):
    setup, bound = customer
    async with db.uow() as uow:
        household = await customer_by_id(uow, bound.id)
        await set_phone(uow, household, "13911112222")
        with pytest.raises(InvalidInput):
            async with uow.savepoint():
                await set_address(uow, household, building_id=setup.building_ids[2], room="808")
                await set_phone(uow, household, "12345")  # refused: the move goes with it
        await uow.refresh(household)
        assert (household.phone, household.building_id, household.room) == (
            "13911112222",
            setup.building_ids[0],
            "1201",
        )
        await uow.commit()
    found = await read_uow(db, customer_by_id, bound.id)
    assert (found.phone, found.building_id, found.room) == (
        "13911112222",
        setup.building_ids[0],
        "1201",
    )


async def test_a_savepoint_that_succeeds_is_kept_on_commit(db, customer):
    setup, bound = customer
    async with db.uow() as uow:
        household = await customer_by_id(uow, bound.id)
        async with uow.savepoint():
            await set_address(uow, household, building_id=setup.building_ids[2], room="808")
        await uow.commit()
    found = await read_uow(db, customer_by_id, bound.id)
    assert (found.building_id, found.room) == (setup.building_ids[2], "808")


async def test_a_savepoint_keeps_nothing_when_the_transaction_is_not_committed(db, customer):
    setup, bound = customer
    async with db.uow() as uow:
        household = await customer_by_id(uow, bound.id)
        async with uow.savepoint():
            await set_address(uow, household, building_id=setup.building_ids[2], room="808")
    found = await read_uow(db, customer_by_id, bound.id)
    assert (found.building_id, found.room) == (setup.building_ids[0], "1201")


async def test_refresh_reads_again_a_row_changed_behind_the_sessions_back(db, customer):
    _, bound = customer
    async with db.uow() as uow:
        household = await customer_by_id(uow, bound.id)
        assert household.room == "1201"
        await uow.session.execute(
            update(Customer)
            .where(Customer.id == bound.id)
            .values(room="909")
            .execution_options(synchronize_session=False)
        )
        assert household.room == "1201"  # the session still holds what it read
        await uow.refresh(household)
        assert household.room == "909"
