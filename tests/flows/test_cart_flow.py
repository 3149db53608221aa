"""The cart screen as a shopper sees it: lines, the quote, codes, coupons and when it arrives."""

from __future__ import annotations

import datetime as dt

from bot.flows.events import Command, Photo, Text, Unsupported
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.catalog.deals import set_deal
from core.models import Product
from tests.conftest import shanghai
from tests.factories import make_gift_rule, make_product, make_promotion, make_unit_with_partner
from tests.flows.shopping import cart_of, labels, make_shopper, put_in_cart

EN = translator("en")
EVENING = f"{EN.time(dt.time(18))}–{EN.time(dt.time(21))}"  # 6:00 PM–9:00 PM in English


async def open_cart(channel: MemoryChannel, user: str = "ann") -> str:
    """Menu → 🧺 Cart; returns what the cart message says."""
    await channel.send(user, Command("menu"), language_code="en")
    await channel.press(user, "Cart")
    return channel.chat(user).last.text


async def shop_with_coke(db, quantity: int = 2, **product: object):
    """A bound shopper with ``quantity`` cokes (¥3.00 each) in the cart."""
    setup = await make_unit_with_partner(db)
    customer = await make_shopper(db, setup)
    coke = await make_product(db, "COKE", price_fen=300, name_zh="可口可乐 330ml", **product)
    await put_in_cart(db, customer, coke, quantity)
    return setup, customer, coke


async def test_the_cart_shows_lines_quote_shipping_and_the_saving(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    text = await open_cart(channel)
    assert "Product COKE × 2 · ¥6.00" in text
    assert "Goods: ¥6.00" in text
    assert "Shipping: ¥3.00 · add ¥83.00 more for free shipping" in text
    assert "Total: ¥9.00" in text
    assert "You save ¥0.32 vs the supermarket" in text
    assert f"Arrives tonight, {EVENING}" in text
    buttons = labels(channel.chat("ann").last)
    assert {"✅ Checkout", "🎟 Enter a promo code", "🛒 Keep shopping"} <= set(buttons)


async def test_big_orders_ship_free(db):
    await shop_with_coke(db, quantity=30)
    text = await open_cart(MemoryChannel(db))
    assert "Shipping: free" in text and "Total: ¥90.00" in text


async def test_plus_minus_and_remove_change_the_cart_in_place(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    await open_cart(channel)
    chat = channel.chat("ann")
    shown = len(chat.messages)
    await channel.press("ann", "➕ Product COKE")
    assert "Product COKE × 3 · ¥9.00" in chat.last.text
    await channel.press("ann", "➖ Product COKE")
    await channel.press("ann", "➖ Product COKE")
    assert "Product COKE × 1 · ¥3.00" in chat.last.text
    assert len(chat.messages) == shown  # edited, never a new message
    await channel.press("ann", "🗑 Product COKE")
    assert "Your cart is empty" in chat.last.text
    assert {"🛒 Shop", "🔥 Deals zone"} <= set(labels(chat.last))
    assert "Removed Product COKE" in chat.toasts


async def test_plus_beyond_the_shelf_is_refused_with_what_is_left(db):
    _setup, customer, _coke = await shop_with_coke(db, quantity=2, stock=2)
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "➕ Product COKE")
    assert "only 2 are left" in channel.chat("ann").toasts[-1]
    assert [quantity for _id, quantity in await cart_of(db, customer)] == [2]


async def test_an_empty_cart_points_to_the_shop_and_the_deals(db):
    setup = await make_unit_with_partner(db)
    await make_shopper(db, setup)
    channel = MemoryChannel(db)
    text = await open_cart(channel)
    assert "Your cart is empty" in text
    await channel.press("ann", "Deals zone")
    assert "Your cart is empty" not in channel.chat("ann").last.text


async def test_a_fixed_price_code_is_applied_and_its_discount_shown(db):
    _setup, _customer, coke = await shop_with_coke(db)
    await make_promotion(
        db,
        "COKE01",
        benefit="fixed_price_item",
        product_id=coke.id,
        fixed_price_fen=10,
        first_order_only=True,
        total_cap=1000,
    )
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "Enter a promo code")
    assert "type your promo code" in channel.chat("ann").last.text
    await channel.send("ann", Text(" coke01 "))
    text = channel.chat("ann").last.text
    assert "Code applied." in text
    assert "🎟 COKE01: −¥2.90" in text and "Total: ¥6.10" in text
    assert "✖️ Remove code COKE01" in labels(channel.chat("ann").last)
    await channel.press("ann", "Remove code")
    assert "COKE01" not in channel.chat("ann").last.text.split("Code removed.")[1]
    assert "Total: ¥9.00" in channel.chat("ann").last.text


async def test_a_refused_code_says_how_much_is_missing_and_waits_for_another(db):
    await shop_with_coke(db)
    await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500, min_spend_fen=5000)
    await make_promotion(db, "SHIPFREE", benefit="free_shipping")
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "Enter a promo code")
    await channel.send("ann", Text("SAVE5"))
    assert "Add ¥44.00 more to use this code." in channel.chat("ann").last.text
    await channel.send("ann", Text("shipfree"))
    text = channel.chat("ann").last.text
    assert "SHIPFREE: free shipping" in text and "Total: ¥6.00" in text


async def test_odd_input_while_waiting_for_a_code_gets_a_helpful_answer(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "Enter a promo code")
    for event in (
        Text("x" * 10_000),
        Text("🍎🍎🍎"),
        Text("'; DROP TABLE orders; --"),
        Unsupported("sticker"),
        Photo("file-1"),
    ):
        await channel.send("ann", event)
        last = channel.chat("ann").last
        assert "code" in last.text and len(last.text) < 400
        assert "✖️ Cancel" in labels(last)
    await channel.press("ann", "Cancel")
    assert "Product COKE × 2" in channel.chat("ann").last.text


async def test_a_code_that_stops_applying_is_shown_with_its_reason(db):
    await shop_with_coke(db, quantity=20)
    await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500, min_spend_fen=5000)
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "Enter a promo code")
    await channel.send("ann", Text("SAVE5"))
    assert "−¥5.00" in channel.chat("ann").last.text
    for _ in range(4):
        await channel.press("ann", "➖ Product COKE")
    text = channel.chat("ann").last.text
    assert "Product COKE × 16" in text
    assert "⚠️ Add ¥2.00 more to use this code." in text
    assert "Total: ¥51.00" in text


async def test_a_code_that_makes_the_total_rise_is_pointed_out(db):
    _setup, _customer, coke = await shop_with_coke(db, quantity=30)
    await make_promotion(
        db, "COKE01", benefit="fixed_price_item", product_id=coke.id, fixed_price_fen=10
    )
    channel = MemoryChannel(db)
    await open_cart(channel)
    await channel.press("ann", "Enter a promo code")
    await channel.send("ann", Text("COKE01"))
    text = channel.chat("ann").last.text
    assert "Total: ¥90.10" in text
    assert "With this code you pay ¥0.10 more" in text and "Add ¥1.90 more" in text


async def test_coupons_are_offered_only_when_they_apply(db):
    _setup, customer, coke = await shop_with_coke(db)
    await make_promotion(
        db,
        "BIG10",
        kind="coupon",
        name_en="¥10 off from ¥60",
        benefit="amount_off",
        amount_off_fen=1000,
        min_spend_fen=6000,
    )
    channel = MemoryChannel(db)
    await open_cart(channel)
    assert not any("coupon" in label for label in labels(channel.chat("ann").last))
    await put_in_cart(db, customer, coke, 20)
    await channel.press("ann", "➕ Product COKE")
    assert "🎟 Use coupon: ¥10 off from ¥60 (BIG10)" in labels(channel.chat("ann").last)
    await channel.press("ann", "Use coupon")
    text = channel.chat("ann").last.text
    assert "Coupon applied." in text and "−¥10.00" in text and "Total: ¥56.00" in text


async def test_lines_short_of_stock_are_flagged(db):
    await shop_with_coke(db, quantity=3, stock=2)
    text = await open_cart(MemoryChannel(db))
    assert "Product COKE × 3 · ¥9.00\n  ⚠️ only 2 left" in text


async def test_gifts_and_todays_deals_are_shown(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_shopper(db, setup)
    feet = await make_product(db, "FEET", price_fen=2000, name_zh="鸡爪")
    gloves = await make_product(db, "GLOVES", price_fen=50, name_zh="一次性手套")
    await make_gift_rule(db, feet, gloves)
    async with db.uow() as uow:
        await set_deal(uow, clock.now().date(), "FEET", 1500)
        await uow.commit()
    await put_in_cart(db, customer, feet, 2)
    text = await open_cart(MemoryChannel(db))
    assert "Product FEET × 2 · ¥30.00 🔥" in text
    assert "🔥 Today's deals: ¥10.00 off" in text
    assert "🎁 free: Product GLOVES ×1" in text


async def test_after_the_cutoff_the_cart_says_tomorrow(db, clock):
    await shop_with_coke(db)
    clock.set(shanghai(2026, 11, 23, 15, 0))
    text = await open_cart(MemoryChannel(db))
    assert f"Arrives tomorrow (Tue, Nov 24), {EVENING}" in text


async def test_a_product_taken_off_the_shelf_leaves_the_cart_with_a_note(db):
    _setup, customer, coke = await shop_with_coke(db)
    water = await make_product(db, "WATER", price_fen=200)
    await put_in_cart(db, customer, water, 1)
    async with db.uow() as uow:
        row = await uow.session.get(Product, coke.id)
        row.active = False
        await uow.commit()
    text = await open_cart(MemoryChannel(db))
    assert "No longer sold, so taken out of your cart: Product COKE" in text
    assert "Product WATER × 1" in text
    assert [pid for pid, _quantity in await cart_of(db, customer)] == [water.id]


async def test_a_long_cart_pages_its_line_buttons(db):
    setup = await make_unit_with_partner(db)
    customer = await make_shopper(db, setup)
    for n in range(10):
        await put_in_cart(db, customer, await make_product(db, f"P{n}"), 1)
    channel = MemoryChannel(db)
    await open_cart(channel)
    first = labels(channel.chat("ann").last)
    assert "➕ Product P0" in first and "➕ Product P9" not in first
    await channel.press("ann", "▶")
    assert "➕ Product P9" in labels(channel.chat("ann").last)
    await channel.press("ann", "➕ Product P9")
    last = channel.chat("ann").last
    assert "Product P9 × 2" in last.text and "➕ Product P9" in labels(last)
