"""The per-process browse cache: what it may serve stale, for how long, and what never."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from core.catalog.deals import set_deal
from core.catalog.reference import STALE_AFTER, browse_data, live_stock
from core.models import Product, Promotion
from core.orders import cart
from core.platform.clock import local_now
from tests.factories import (
    make_bound_customer,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
)


async def _shop(db):
    async with db.uow() as uow:
        return await browse_data(uow, local_now(uow.clock, uow.settings.tz).date())


async def _set_price_behind_the_orm(db, product, price_fen: int) -> None:
    """A bulk Core update, as another process or an import would make: no ORM event."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(Product).where(Product.id == product.id).values(price_fen=price_fen)
        )
        await uow.commit()


async def test_a_price_changed_elsewhere_shows_once_the_bound_has_passed(db, clock):
    rice = await make_product(db, "RICE", price_fen=4590)
    assert (await _shop(db)).products[rice.id].price_fen == 4590
    await _set_price_behind_the_orm(db, rice, 4290)
    clock.advance(STALE_AFTER - dt.timedelta(seconds=1))
    assert (await _shop(db)).products[rice.id].price_fen == 4590  # within the bound
    clock.advance(dt.timedelta(seconds=1))
    assert (await _shop(db)).products[rice.id].price_fen == 4290


async def test_a_catalog_change_committed_in_this_process_shows_at_once(db, clock):
    rice = await make_product(db, "RICE", price_fen=4590)
    assert rice.id not in (await _shop(db)).deals
    async with db.uow() as uow:
        await set_deal(uow, local_now(clock, uow.settings.tz).date(), "RICE", 3990)
        await uow.commit()
    assert (await _shop(db)).deals[rice.id] == 3990


async def test_a_rolled_back_catalog_change_keeps_the_snapshot(db, clock):
    await make_product(db, "RICE", price_fen=4590)
    before = await _shop(db)
    async with db.uow() as uow:
        await set_deal(uow, local_now(clock, uow.settings.tz).date(), "RICE", 3990)
    assert await _shop(db) is before


async def test_delisted_products_leave_aisle_pages_and_cards(db, clock):
    rice = await make_product(db, "RICE")
    async with db.uow() as uow:
        (await uow.session.get(Product, rice.id)).active = False
        await uow.commit()
    shop = await _shop(db)
    assert shop.listed(rice.id) is None
    assert shop.aisle_page(rice.category_id, limit=9, offset=0) == []


async def test_stock_is_read_live_while_the_snapshot_is_kept(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    rice = await make_product(db, "RICE", stock=5)
    before = await _shop(db)
    await place(db, customer, [(rice, 2)])
    assert await _shop(db) is before  # an order is no catalog change
    async with db.uow() as uow:
        assert await live_stock(uow, rice.id) == 3


async def test_checkout_never_sees_a_stale_price(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    rice = await make_product(db, "RICE", price_fen=4590)
    assert (await _shop(db)).products[rice.id].price_fen == 4590
    await _set_price_behind_the_orm(db, rice, 4290)
    assert (await _shop(db)).products[rice.id].price_fen == 4590  # browse may lag...
    placed = await place(db, customer, [(rice, 1)])
    assert placed.order.goods_fen == 4290  # ...checkout reads the database


async def test_a_coupon_withdrawn_elsewhere_is_not_suggested_after_the_bound(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    rice = await make_product(db, "RICE", price_fen=4590)
    await make_promotion(db, "SAVE5", kind="coupon", benefit="amount_off", amount_off_fen=500)
    async with db.uow() as uow:
        await cart.set_quantity(uow, customer.id, rice.id, 1)
        assert (await cart.view(uow, customer)).coupons == ("SAVE5",)
        await uow.commit()
    async with db.uow() as uow:
        await uow.session.execute(
            update(Promotion).where(Promotion.code == "SAVE5").values(active=False)
        )
        await uow.commit()
    async with db.uow() as uow:
        assert (await cart.view(uow, customer)).coupons == ("SAVE5",)  # a hint, within bound
    clock.advance(STALE_AFTER)
    async with db.uow() as uow:
        assert (await cart.view(uow, customer)).coupons == ()
