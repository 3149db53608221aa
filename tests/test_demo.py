import datetime as dt

from sqlalchemy import func, select

from core.catalog.deals import deals_for
from core.catalog.gifts import gift_offers_for
from core.demo.data import COKE_SKU, demo_products, pick_deals
from core.demo.loader import load_demo
from core.models import (
    Building,
    Category,
    DealEntry,
    GiftRule,
    Partner,
    Product,
    Promotion,
    Unit,
)

TODAY = dt.date(2026, 11, 23)
TABLES = (Unit, Building, Partner, Category, Product, GiftRule, Promotion, DealEntry)


async def _load(db, today=TODAY):
    async with db.uow() as uow:
        summary = await load_demo(uow, today)
        await uow.commit()
    return summary


async def _counts(db):
    async with db.uow() as uow:
        return {
            model.__name__: await uow.session.scalar(select(func.count()).select_from(model))
            for model in TABLES
        }


def test_the_demo_catalog_is_the_same_every_time():
    demo_products.cache_clear()
    first = demo_products()
    demo_products.cache_clear()
    assert demo_products() == first
    priced = [(spec.sku, spec.price_fen) for spec in first]
    assert pick_deals(priced, TODAY) == pick_deals(priced, TODAY)
    assert pick_deals(priced, TODAY) != pick_deals(priced, TODAY + dt.timedelta(days=1))


def test_demo_names_and_skus_are_unique():
    specs = demo_products()
    assert len({spec.sku for spec in specs}) == len(specs)
    assert len({spec.name_zh for spec in specs}) == len(specs)


async def test_the_demo_city_has_three_units_each_with_one_active_partner(db):
    summary = await _load(db)
    assert [unit.code for unit in summary.units] == ["jinxiu", "huayuan", "binjiang"]
    async with db.uow() as uow:
        for unit in await uow.session.scalars(select(Unit)):
            partners = list(
                await uow.session.scalars(
                    select(Partner).where(Partner.unit_id == unit.id, Partner.active.is_(True))
                )
            )
            assert len(partners) == 1
            assert partners[0].phone.startswith("1380000000")
            assert partners[0].telegram_id is None
            buildings = await uow.session.scalar(
                select(func.count()).select_from(Building).where(Building.unit_id == unit.id)
            )
            assert 6 <= buildings <= 20
    assert all(unit.invite_code for unit in summary.units)


async def test_the_demo_catalog_is_a_full_supermarket_priced_under_the_reference(db):
    summary = await _load(db)
    assert summary.products >= 1000
    assert summary.categories >= 12
    async with db.uow() as uow:
        products = list(await uow.session.scalars(select(Product)))
        used = {product.category_id for product in products}
    assert len(products) >= 1000
    assert len(used) >= 12
    for product in products:
        saving = product.reference_price_fen - product.price_fen
        assert 5 * product.reference_price_fen <= 100 * saving <= 10 * product.reference_price_fen
        assert 20 <= product.stock <= 500
        assert product.search_pinyin and product.search_initials
    assert sum(1 for p in products if p.care_note_zh and p.care_note_en) >= 20
    assert len({p.care_note_zh for p in products if p.care_note_zh}) >= 20
    heavy = {p.name_zh for p in products if p.heavy}
    assert "金龙鱼 大豆油 5L" in heavy
    assert "农夫山泉 饮用天然水 550ml×24" in heavy
    assert "金龙鱼 大豆油 900ml" not in heavy


async def test_the_demo_has_gift_rules_on_low_value_gifts(db):
    summary = await _load(db)
    assert summary.gift_rules >= 10
    async with db.uow() as uow:
        feet = await uow.session.scalar(select(Product).where(Product.sku == "MT-CHKFEET-500"))
        offers = await gift_offers_for(uow, [feet.id])
        rules = list(await uow.session.scalars(select(GiftRule)))
        gifts = {
            p.id: p
            for p in await uow.session.scalars(
                select(Product).where(Product.id.in_([r.gift_product_id for r in rules]))
            )
        }
    assert [offer.gift.sku for offer in offers] == ["HH-GLOVES-20"]
    assert offers[0].stock_left > 0
    assert all(gifts[rule.gift_product_id].price_fen <= 500 for rule in rules)


async def test_the_deals_zone_has_at_least_200_products_below_list_price(db):
    summary = await _load(db)
    assert summary.deals_today >= 200
    async with db.uow() as uow:
        deals = await deals_for(uow, TODAY, limit=1000)
    assert len(deals) >= 200
    assert all(0 < price < product.price_fen for product, price in deals)


async def test_coke01_is_a_coke_for_ten_fen_once_per_new_customer(db):
    summary = await _load(db)
    assert {"COKE01", "ELDER5", "KIDS10", "MOM8", "NEW20"} <= set(summary.promo_codes)
    async with db.uow() as uow:
        promo = await uow.session.scalar(select(Promotion).where(Promotion.code == "COKE01"))
        coke = await uow.session.scalar(select(Product).where(Product.id == promo.product_id))
        kids = await uow.session.scalar(select(Promotion).where(Promotion.code == "KIDS10"))
    assert coke.sku == COKE_SKU
    assert coke.name_zh == "可口可乐 330ml"
    assert (promo.kind, promo.benefit, promo.fixed_price_fen) == ("code", "fixed_price_item", 10)
    assert promo.first_order_only and promo.per_customer_limit == 1
    assert promo.total_cap == 1000 and promo.redeemed_count == 0
    assert (kids.kind, kids.percent_off, kids.rounding, kids.for_children) == (
        "coupon",
        10,
        "down",
        True,
    )


async def test_loading_the_demo_twice_changes_no_counts(db):
    first = await _load(db)
    before = await _counts(db)
    second = await _load(db)
    assert await _counts(db) == before
    assert second.created is False and first.created is True
    assert [u.invite_code for u in second.units] == [u.invite_code for u in first.units]


async def test_loading_on_a_new_day_adds_that_days_deals_only(db):
    await _load(db)
    before = await _counts(db)
    tomorrow = await _load(db, TODAY + dt.timedelta(days=1))
    after = await _counts(db)
    assert tomorrow.deals_today >= 200
    assert after["DealEntry"] == before["DealEntry"] + tomorrow.deals_today
    assert {k: v for k, v in after.items() if k != "DealEntry"} == {
        k: v for k, v in before.items() if k != "DealEntry"
    }
