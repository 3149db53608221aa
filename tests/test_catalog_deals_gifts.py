import datetime as dt

import pytest
from sqlalchemy import select

from core.catalog.deals import count_deals, deal_prices, deals_for, set_deal
from core.catalog.gifts import add_gift_rule, gift_offers_for
from core.errors import InvalidInput, NotFound, ProductUnavailable
from core.models import Category, Product

DAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
async def shop(db):
    async with db.uow() as uow:
        aisle = Category(code="misc", name_zh="杂货", name_en="Misc", sort_order=0)
        uow.session.add(aisle)
        await uow.session.flush()
        for sku, price, active in [
            ("FEET", 1590, True),
            ("GLOVES", 190, True),
            ("OIL", 5990, True),
            ("GONE", 990, False),
        ]:
            uow.session.add(
                Product(
                    sku=sku, category_id=aisle.id, name_zh=sku, name_en=sku, unit_zh="个",
                    unit_en="piece", price_fen=price, reference_price_fen=price + 100,
                    stock=10, active=active, updated_at=NOW,
                )
            )  # fmt: skip
        await uow.commit()
    async with db.uow() as uow:
        return {p.sku: p.id for p in await uow.session.scalars(select(Product))}


async def test_a_deal_must_be_above_zero_and_below_the_price(db, shop):
    async with db.uow() as uow:
        for bad in (0, -5, 1590, 1600):
            with pytest.raises(InvalidInput):
                await set_deal(uow, DAY, "FEET", bad)
        with pytest.raises(InvalidInput):
            await set_deal(uow, DAY, "FEET", 9.9)
        with pytest.raises(ProductUnavailable):
            await set_deal(uow, DAY, "GONE", 500)
        with pytest.raises(NotFound):
            await set_deal(uow, DAY, "NOPE", 500)


async def test_setting_a_deal_twice_changes_its_price(db, shop):
    async with db.uow() as uow:
        await set_deal(uow, DAY, "FEET", 1290)
        await set_deal(uow, DAY, "FEET", 990)
        await uow.commit()
    async with db.uow() as uow:
        assert await deal_prices(uow, DAY, [shop["FEET"], shop["OIL"]]) == {shop["FEET"]: 990}
        assert await deal_prices(uow, DAY + dt.timedelta(days=1), [shop["FEET"]]) == {}
        assert await deal_prices(uow, DAY, []) == {}
        assert await count_deals(uow, DAY) == 1


async def test_the_deals_zone_lists_the_deepest_saving_first_and_pages(db, shop):
    async with db.uow() as uow:
        await set_deal(uow, DAY, "FEET", 1290)  # saves 300
        await set_deal(uow, DAY, "OIL", 4990)  # saves 1000
        await set_deal(uow, DAY, "GLOVES", 100)  # saves 90
        await uow.commit()
    async with db.uow() as uow:
        listed = [(p.sku, price) for p, price in await deals_for(uow, DAY, limit=10, offset=0)]
        page = [p.sku for p, _ in await deals_for(uow, DAY, limit=1, offset=1)]
    assert listed == [("OIL", 4990), ("FEET", 1290), ("GLOVES", 100)]
    assert page == ["FEET"]


async def test_a_deal_no_longer_below_the_price_or_on_a_delisted_product_is_hidden(db, shop):
    async with db.uow() as uow:
        await set_deal(uow, DAY, "FEET", 1290)
        await set_deal(uow, DAY, "OIL", 4990)
        await uow.commit()
    async with db.uow() as uow:
        feet = await uow.session.get(Product, shop["FEET"])
        oil = await uow.session.get(Product, shop["OIL"])
        feet.price_fen = 1200  # the price was cut below the deal
        oil.active = False
        await uow.commit()
    async with db.uow() as uow:
        assert await deals_for(uow, DAY, limit=10, offset=0) == []
        assert await deal_prices(uow, DAY, [shop["FEET"]]) == {}
        assert await count_deals(uow, DAY) == 0


async def test_gift_offers_name_the_gift_and_its_stock(db, shop):
    async with db.uow() as uow:
        rule = await add_gift_rule(uow, "FEET", 1, "GLOVES", 2, 300)
        await add_gift_rule(uow, "OIL", 2, "GLOVES", 1, 0)
        await uow.commit()
    async with db.uow() as uow:
        offers = await gift_offers_for(uow, [shop["FEET"]])
        assert await gift_offers_for(uow, []) == []
        assert await gift_offers_for(uow, [shop["GLOVES"]]) == []
    [offer] = offers
    assert (offer.rule_id, offer.trigger_product_id, offer.min_quantity) == (
        rule.id,
        shop["FEET"],
        1,
    )
    assert (offer.gift.sku, offer.gift.list_price_fen, offer.gift_quantity) == ("GLOVES", 190, 2)
    assert offer.stock_left == 300


async def test_gift_rules_refuse_silly_quantities_and_unknown_products(db, shop):
    async with db.uow() as uow:
        for args in [(0, 1, 10), (1, 0, 10), (1, 1, -1), (True, 1, 1)]:
            with pytest.raises(InvalidInput):
                await add_gift_rule(uow, "FEET", args[0], "GLOVES", args[1], args[2])
        with pytest.raises(NotFound):
            await add_gift_rule(uow, "FEET", 1, "NOPE", 1, 1)
