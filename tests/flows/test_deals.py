"""The deals zone: today's crazy prices, deepest saving first, paged in one message."""

from __future__ import annotations

import datetime as dt

from tests.flows.storefront import (
    SHOPPER,
    labels,
    open_shop,
    put_on_deal,
    stock_the_shop,
    walk_in,
)


async def test_the_deals_zone_lists_todays_deal_prices_deepest_saving_first(db):
    await stock_the_shop(db)
    await put_on_deal(db, "COLA", 250)
    await put_on_deal(db, "RICE", 3990)
    channel = await walk_in(db, tap="🔥")
    shown = labels(channel)
    assert shown[0] == "🔥 Northeast rice 5kg · deal ¥39.90 (was ¥49.90)"
    assert shown[1] == "🔥 Cola · deal ¥2.50 (was ¥3.00)"
    assert "Today's deals" in channel.chat(SHOPPER).last.text
    assert len(channel.chat(SHOPPER).messages) == 1


async def test_a_deal_card_shows_the_deal_price_and_the_bigger_saving(db):
    await stock_the_shop(db)
    await put_on_deal(db, "COLA", 250)
    channel = await walk_in(db, tap="🔥")
    await channel.press(SHOPPER, "Cola")
    card = channel.chat(SHOPPER).last.text
    assert "🔥 Today's deal: ¥2.50" in card
    assert "Supermarket ¥3.50, you save ¥1.00" in card


async def test_back_from_a_deal_card_returns_to_the_deals_zone(db):
    await stock_the_shop(db)
    await put_on_deal(db, "COLA", 250)
    channel = await walk_in(db, tap="🔥")
    await channel.press(SHOPPER, "Cola")
    await channel.press(SHOPPER, "+")
    await channel.press(SHOPPER, "Back to deals")
    assert "Today's deals" in channel.chat(SHOPPER).last.text
    assert "🧺 Cart (1)" in labels(channel)


async def test_deals_page_eight_at_a_time(db):
    await stock_the_shop(db)
    for n in range(10):
        await put_on_deal(db, f"TEA{n}", 300)
    channel = await walk_in(db, tap="🔥")
    assert sum("deal ¥3.00" in label for label in labels(channel)) == 8
    assert "page 1 of 2" in channel.chat(SHOPPER).last.text
    await channel.press(SHOPPER, "▶")
    assert sum("deal ¥3.00" in label for label in labels(channel)) == 2
    assert "page 2 of 2" in channel.chat(SHOPPER).last.text
    assert len(channel.chat(SHOPPER).messages) == 1


async def test_a_deal_price_shows_in_the_aisle_list_too(db):
    await stock_the_shop(db)
    await put_on_deal(db, "COLA", 250)
    channel = await walk_in(db)
    await channel.press(SHOPPER, "Drinks")
    assert "🔥 Cola · ¥2.50" in labels(channel)


async def test_yesterdays_deals_are_gone_today(db, clock):
    await stock_the_shop(db)
    await put_on_deal(db, "COLA", 250)
    clock.advance(dt.timedelta(days=1))
    channel = await walk_in(db, tap="🔥")
    assert "No deals today" in channel.chat(SHOPPER).last.text
    await channel.press(SHOPPER, "Categories")
    await channel.press(SHOPPER, "Drinks")
    assert "Cola · ¥3.00" in labels(channel)


async def test_an_empty_deals_zone_says_so_and_offers_the_aisles(db):
    channel = await open_shop(db, tap="🔥")
    assert "No deals today" in channel.chat(SHOPPER).last.text
    assert any("Categories" in label for label in labels(channel))
