"""Search by Chinese, pinyin or initials; nothing found suggests aisles; bad input is calm."""

from __future__ import annotations

import pytest

from bot.flows.events import Text, Unsupported
from tests.flows.storefront import SHOPPER, in_cart, labels, open_shop

NOT_FOUND = "Sorry, nothing found"


async def search_for(channel, words: str) -> list[str]:
    """Type a search and return the labels under the answer."""
    await channel.send(SHOPPER, Text(words))
    return labels(channel)


async def test_search_explains_what_to_type(db):
    channel = await open_shop(db, tap="🔍")
    assert "Chinese, pinyin or initials, e.g. kl for 可乐" in channel.chat(SHOPPER).last.text


@pytest.mark.parametrize("words", ["kl", "kele", "可乐", "  ＫＥＬＥ "])
async def test_initials_pinyin_and_chinese_all_find_cola(db, words):
    channel = await open_shop(db, locale="zh_CN", tap="🔍")
    assert "可乐 · ¥3.00" in await search_for(channel, words)


async def test_every_next_message_is_another_search(db):
    channel = await open_shop(db, tap="🔍")
    assert "Cola · ¥3.00" in await search_for(channel, "kl")
    assert "Northeast rice 5kg · ¥49.90" in await search_for(channel, "dami")


async def test_an_empty_result_says_so_and_suggests_aisles(db):
    channel = await open_shop(db, tap="🔍")
    shown = await search_for(channel, "xyzzy")
    assert "nothing found for “xyzzy”" in channel.chat(SHOPPER).last.text
    assert shown[:3] == ["Drinks", "Rice & oil", "Snacks"]
    assert "🛒 All categories" in shown
    await channel.press(SHOPPER, "Drinks")
    assert "Cola · ¥3.00" in labels(channel)


async def test_results_page_in_place_and_a_card_leads_back_to_them(db):
    channel = await open_shop(db, tap="🔍")
    first = await search_for(channel, "lc")  # 绿茶: ten of them
    assert sum("Product TEA" in label for label in first) == 8
    messages = len(channel.chat(SHOPPER).messages)
    await channel.press(SHOPPER, "▶")
    assert sum("Product TEA" in label for label in labels(channel)) == 2
    assert len(channel.chat(SHOPPER).messages) == messages
    await channel.press(SHOPPER, "Product TEA9")
    await channel.press(SHOPPER, "+")
    await channel.press(SHOPPER, "Back to results")
    assert "page 2" in channel.chat(SHOPPER).last.text
    assert await in_cart(db) == {"TEA9": 1}


async def test_a_main_menu_button_leaves_search(db):
    channel = await open_shop(db, tap="🔍")
    await search_for(channel, "kl")
    await channel.press(SHOPPER, "Categories")
    await channel.send(SHOPPER, Text("kl"))
    assert "What would you like to do?" in channel.chat(SHOPPER).last.text


@pytest.mark.parametrize(
    ("words", "answer"),
    [
        ("可" * 10_000, "Try one or two"),
        ("😀🍎🥬", NOT_FOUND),
        ("'; DROP TABLE products; --", NOT_FOUND),
        ("   ", "Please type a word"),
    ],
)
async def test_odd_searches_get_a_polite_answer(db, words, answer):
    channel = await open_shop(db, tap="🔍")
    replies = await channel.send(SHOPPER, Text(words))
    assert replies
    assert answer in channel.chat(SHOPPER).last.text
    assert "Cola · ¥3.00" in await search_for(channel, "kl")


async def test_a_sticker_while_searching_gets_a_hint(db):
    channel = await open_shop(db, tap="🔍")
    await channel.send(SHOPPER, Unsupported("sticker"))
    assert "Please type a word to search for" in channel.chat(SHOPPER).last.text
