import datetime as dt

import pytest

from core.catalog.pinyin import normalise_query, search_keys
from core.catalog.search import (
    categories,
    index_product,
    product_by_sku,
    products_in_category,
    search_products,
)
from core.errors import NotFound
from core.models import Category, Product

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def make_product(sku, name_zh, name_en, category_id, *, price=300, active=True):
    product = Product(
        sku=sku,
        category_id=category_id,
        name_zh=name_zh,
        name_en=name_en,
        unit_zh="瓶",
        unit_en="bottle",
        price_fen=price,
        reference_price_fen=price + 20,
        heavy=False,
        stock=50,
        active=active,
        updated_at=NOW,
    )
    index_product(product)
    return product


@pytest.fixture
async def shelf(db):
    async with db.uow() as uow:
        drinks = Category(code="drinks", name_zh="饮料", name_en="Drinks", sort_order=2)
        snacks = Category(code="snacks", name_zh="零食", name_en="Snacks", sort_order=1)
        uow.session.add_all([drinks, snacks])
        await uow.session.flush()
        uow.session.add_all(
            [
                make_product("D1", "可口可乐 330ml", "Coca-Cola 330ml", drinks.id),
                make_product("D2", "可乐", "Cola", drinks.id),
                make_product("S1", "可乐味薯片 70g", "Cola Flavour Potato Chips 70g", snacks.id),
                make_product("D3", "百事可乐 2L", "Pepsi 2L", drinks.id, active=False),
                make_product(
                    "D4", "农夫山泉 饮用天然水 550ml", "Nongfu Spring Water 550ml", drinks.id
                ),
                make_product("S2", "100%纯果汁_特饮", "100% Juice_Special", snacks.id),
            ]
        )
        await uow.commit()
    return {"drinks": drinks.id, "snacks": snacks.id}


async def _skus(db, query, **kwargs):
    async with db.uow() as uow:
        return [p.sku for p in await search_products(uow, query, **kwargs)]


def test_search_keys_are_full_pinyin_and_initials_with_latin_runs_kept():
    assert search_keys("可口可乐 500ml") == ("kekoukele500ml", "kkkl500ml")
    assert search_keys("农夫山泉") == ("nongfushanquan", "nfsq")


def test_queries_are_folded_to_half_width_lowercase_single_spaced():
    assert normalise_query("  ＫｅＬｅ   可乐 ") == "kele 可乐"


@pytest.mark.parametrize("query", ["可乐", "kl", "kele", "KeLe", "cola", "ＫＬ", " ke le "])
async def test_cola_is_found_by_chinese_pinyin_initials_and_english(db, shelf, query):
    assert {"D1", "D2"} <= set(await _skus(db, query))


async def test_the_exact_name_comes_before_longer_names(db, shelf):
    found = await _skus(db, "可乐")
    assert found[0] == "D2"
    assert set(found) == {"D1", "D2", "S1"}
    assert (await _skus(db, "kl"))[0] == "D2"


async def test_an_initials_prefix_beats_a_match_in_the_middle(db, shelf):
    found = await _skus(db, "kl")
    assert found.index("S1") < found.index("D1")


async def test_delisted_products_are_not_found(db, shelf):
    assert "D3" not in await _skus(db, "百事")
    assert await _skus(db, "pepsi") == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "可" * 51])
async def test_empty_or_overlong_queries_find_nothing(db, shelf, query):
    assert await _skus(db, query) == []


@pytest.mark.parametrize("query", ["%", "_", "%%", "_%_", "\\", "/"])
async def test_like_wildcards_are_literal_characters(db, shelf, query):
    found = await _skus(db, query)
    assert "D1" not in found
    assert "D2" not in found


async def test_a_literal_percent_or_underscore_still_finds_names_containing_it(db, shelf):
    assert await _skus(db, "100%") == ["S2"]
    assert await _skus(db, "汁_特") == ["S2"]


async def test_every_word_of_a_query_must_match(db, shelf):
    assert await _skus(db, "农夫 550ml") == ["D4"]
    assert await _skus(db, "nfsq 550") == ["D4"]
    assert await _skus(db, "农夫 2L") == []


async def test_search_pages_with_limit_and_offset(db, shelf):
    everything = await _skus(db, "可乐")
    assert await _skus(db, "可乐", limit=1) == everything[:1]
    assert await _skus(db, "可乐", limit=2, offset=1) == everything[1:3]


async def test_categories_come_in_hq_order_and_list_their_active_products(db, shelf):
    async with db.uow() as uow:
        aisles = await categories(uow)
        drinks = await products_in_category(uow, shelf["drinks"], limit=10, offset=0)
        second = await products_in_category(uow, shelf["drinks"], limit=1, offset=1)
    assert [c.code for c in aisles] == ["snacks", "drinks"]
    assert [p.sku for p in drinks] == ["D1", "D2", "D4"]  # pinyin: kekoukele, kele, nongfu
    assert [p.sku for p in second] == ["D2"]


async def test_product_by_sku_finds_it_or_says_not_found(db, shelf):
    async with db.uow() as uow:
        assert (await product_by_sku(uow, "D1")).name_en == "Coca-Cola 330ml"
        with pytest.raises(NotFound):
            await product_by_sku(uow, "NOPE")
