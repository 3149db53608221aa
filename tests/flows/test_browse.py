"""Browse: aisles → a paged product list → the product card with + / −, all in one message."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from bot.flows.events import Button
from tests.factories import make_product
from tests.flows.storefront import (
    SHOPPER,
    delist,
    in_cart,
    labels,
    open_shop,
    stock_the_shop,
    walk_in,
)


@contextmanager
def counting_queries(db):
    """Count the SQL statements run inside the block (transaction control left out)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_the_shop_shows_the_aisles_two_a_row_with_the_cart(db):
    channel = await open_shop(db)
    rows = [[b.label for b in row] for row in channel.chat(SHOPPER).last.buttons]
    assert rows[0] == ["Drinks", "Rice & oil"]
    assert rows[1] == ["Snacks"]
    assert "🧺 Cart (0)" in rows[2]
    assert "Pick an aisle" in channel.chat(SHOPPER).last.text


async def test_a_chinese_shopper_sees_chinese_aisle_and_product_names(db):
    channel = await open_shop(db, locale="zh_CN")
    assert labels(channel)[:3] == ["饮料", "粮油", "零食"]
    await channel.press(SHOPPER, "饮料")
    assert "可乐 · ¥3.00" in labels(channel)


async def test_paging_through_an_aisle_edits_the_same_message(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Drinks")
    chat = channel.chat(SHOPPER)
    assert len(chat.messages) == 1
    first_page = labels(channel)
    assert "Cola · ¥3.00" in first_page
    assert sum("·" in label for label in first_page) == 8
    assert "▶" in first_page and "◀" not in first_page

    await channel.press(SHOPPER, "▶")
    second_page = labels(channel)
    assert len(chat.messages) == 1
    assert "page 2" in chat.last.text
    assert sum("·" in label for label in second_page) == 3
    assert "◀" in second_page and "▶" not in second_page
    assert "Cola · ¥3.00" not in second_page

    await channel.press(SHOPPER, "◀")
    assert "Cola · ¥3.00" in labels(channel) and len(chat.messages) == 1


async def test_the_card_shows_price_saving_heavy_badge_and_care_note(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Rice & oil")
    await channel.press(SHOPPER, "Northeast rice")
    card = channel.chat(SHOPPER).last.text
    assert "Northeast rice 5kg" in card
    assert "Our price: ¥49.90 / bottle" in card
    assert "Supermarket ¥59.90, you save ¥10.00" in card
    assert "🏋 Heavy: carried to your door" in card
    assert "Keep somewhere cool and dry" in card
    assert len(channel.chat(SHOPPER).messages) == 1


async def test_a_chinese_card_shows_the_chinese_care_note(db):
    channel = await open_shop(db, locale="zh_CN")
    await channel.press(SHOPPER, "粮油")
    await channel.press(SHOPPER, "东北大米")
    assert "放阴凉干燥处" in channel.chat(SHOPPER).last.text


async def test_plus_twice_then_minus_leaves_one_in_the_cart(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Drinks")
    await channel.press(SHOPPER, "Cola")
    assert "−" not in labels(channel)

    await channel.press(SHOPPER, "+")
    await channel.press(SHOPPER, "+")
    assert await in_cart(db) == {"COLA": 2}
    assert "In your cart: 2" in channel.chat(SHOPPER).last.text
    assert "🧺 Cart (2)" in labels(channel)

    await channel.press(SHOPPER, "−")
    assert await in_cart(db) == {"COLA": 1}
    assert "In your cart: 1" in channel.chat(SHOPPER).last.text
    assert channel.chat(SHOPPER).toasts == ["Added", "Added", "Removed"]
    assert len(channel.chat(SHOPPER).messages) == 1


async def test_back_from_a_card_returns_to_the_page_it_came_from(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Drinks")
    await channel.press(SHOPPER, "▶")
    await channel.press(SHOPPER, "Product TEA9")
    await channel.press(SHOPPER, "+")
    await channel.press(SHOPPER, "Back to list")
    assert "page 2" in channel.chat(SHOPPER).last.text
    assert any("Product TEA9" in label for label in labels(channel))
    assert "🧺 Cart (1)" in labels(channel)


async def test_a_sold_out_product_has_no_plus_button(db):
    await stock_the_shop(db)
    await make_product(db, "GONE", name_zh="阿萨姆奶茶（售罄）", stock=0)
    channel = await walk_in(db)
    await channel.press(SHOPPER, "Drinks")
    await channel.press(SHOPPER, "Product GONE")
    assert "Sold out" in channel.chat(SHOPPER).last.text
    assert "+" not in labels(channel)


async def test_adding_more_than_the_shelf_holds_is_refused_with_how_many_are_left(db):
    await stock_the_shop(db)
    await make_product(db, "LAST", name_zh="阿尔卑斯汽水", stock=1)
    channel = await walk_in(db)
    await channel.press(SHOPPER, "Drinks")
    await channel.press(SHOPPER, "Product LAST")
    await channel.press(SHOPPER, "+")
    await channel.press(SHOPPER, "+")
    assert channel.chat(SHOPPER).toasts[-1] == (
        "You asked for 2, but only 1 is left. Please lower the quantity."
    )
    assert await in_cart(db) == {"LAST": 1}


async def test_a_card_button_for_a_delisted_product_says_expired(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Drinks")
    await delist(db, "COLA")
    await channel.press(SHOPPER, "Cola")
    assert channel.chat(SHOPPER).toasts == ["This button has expired. Here is the menu again."]
    assert "What would you like to do?" in channel.chat(SHOPPER).last.text


async def test_plus_on_a_card_of_a_product_delisted_since_says_expired(db):
    channel = await open_shop(db)
    await channel.press(SHOPPER, "Drinks")
    await channel.press(SHOPPER, "Cola")
    await delist(db, "COLA")
    await channel.press(SHOPPER, "+")
    assert channel.chat(SHOPPER).toasts == ["This button has expired. Here is the menu again."]
    assert await in_cart(db) == {}


async def test_a_list_page_costs_the_same_queries_however_many_products_it_shows(db):
    channel = await open_shop(db)
    _message, full_page = channel.chat(SHOPPER).find_button("Drinks")
    await channel.press(SHOPPER, "Drinks")
    _message, short_page = channel.chat(SHOPPER).find_button("▶")
    ref = channel.chat(SHOPPER).last.ref
    with counting_queries(db) as eight_products:
        await channel.send(SHOPPER, Button(full_page), message_ref=ref)
    with counting_queries(db) as three_products:
        await channel.send(SHOPPER, Button(short_page), message_ref=ref)
    assert len(eight_products) == len(three_products) <= 9
