"""Checkout as a shopper sees it: where and who, the read-back, one order however often
Confirm is pressed, and the partner's ping."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.flows.events import Button, Command, Contact, Text
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.models import Customer, Order, Partner, Product, Promotion
from tests.conftest import shanghai
from tests.factories import (
    make_bound_customer,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
)
from tests.flows.shopping import cart_of, labels, make_shopper, order_count, put_in_cart, set_stock

EN = translator("en")
EVENING = f"{EN.time(dt.time(18))}–{EN.time(dt.time(21))}"


async def shop_with_coke(db, quantity: int = 2, **shopper: object):
    """A shopper in 3栋 1201 with ``quantity`` cokes (¥3.00 each) in the cart."""
    setup = await make_unit_with_partner(db)
    customer = await make_shopper(db, setup, **shopper)
    coke = await make_product(db, "COKE", price_fen=300, name_zh="可口可乐 330ml")
    await put_in_cart(db, customer, coke, quantity)
    return setup, customer, coke


async def to_checkout(channel: MemoryChannel, user: str = "ann") -> str:
    """Menu → Cart → ✅ Checkout; returns what the screen asks."""
    await channel.send(user, Command("cart"), language_code="en")
    await channel.press(user, "✅ Checkout")
    return channel.chat(user).last.text


async def to_confirmation(channel: MemoryChannel, user: str = "ann") -> str:
    """… → ✅ Correct: the read-back with the Confirm button."""
    await to_checkout(channel, user)
    await channel.press(user, "✅ Correct")
    return channel.chat(user).last.text


async def test_checkout_places_one_order_and_pings_the_partner(db):
    setup, customer, _coke = await shop_with_coke(db)
    channel = MemoryChannel(db)
    assert await to_checkout(channel) == "Deliver to 3栋 1201, phone 139****0000?"
    text = await to_confirmation(channel)
    assert "Product COKE × 2 · ¥6.00" in text and "Total: ¥9.00" in text
    assert "Payment on delivery: cash or transfer to your partner." in text
    assert f"Arrives tonight, {EVENING}" in text
    await channel.press("ann", "Confirm order · ¥9.00")
    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order))
    done = channel.chat("ann").last.text
    assert f"Order {order.order_no} placed! Total ¥9.00, pay on delivery." in done
    assert f"Arrives tonight, {EVENING}" in done
    assert "What would you like to do?" in done and "✅ Confirm" not in labels(
        channel.chat("ann").last
    )
    assert await cart_of(db, customer) == []
    ping = channel.chat(str(setup.partner.telegram_id)).last.text
    assert ping.startswith("🆕")
    assert order.order_no in ping and "3栋 1201" in ping
    assert "可口可乐 330ml ×2" in ping and "¥9.00" in ping


async def test_pressing_confirm_twice_makes_one_order(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    message, data = channel.chat("ann").find_button("Confirm order")
    await channel.send("ann", Button(data), message_ref=message.ref)
    await channel.send("ann", Button(data), message_ref=message.ref)
    assert await order_count(db) == 1
    async with db.uow() as uow:
        order_no = await uow.session.scalar(select(Order.order_no))
    assert channel.chat("ann").toasts[-1] == f"Already ordered: {order_no}"


async def test_ten_concurrent_confirm_presses_make_one_order(db):
    setup, _customer, _coke = await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    message, data = channel.chat("ann").find_button("Confirm order")
    answers = await asyncio.gather(
        *(channel.send("ann", Button(data), message_ref=message.ref) for _ in range(10))
    )
    assert await order_count(db) == 1
    placed = [reply for replies in answers for reply in replies if "placed!" in reply.text]
    assert len(placed) == 1
    pings = channel.chat(str(setup.partner.telegram_id)).messages
    assert len(pings) == 1


async def test_a_retried_update_does_not_order_twice(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    message, data = channel.chat("ann").find_button("Confirm order")
    await channel.send("ann", Button(data), message_ref=message.ref, update_id="u-77")
    again = await channel.send("ann", Button(data), message_ref=message.ref, update_id="u-77")
    assert again == [] and await order_count(db) == 1


async def test_a_confirm_button_from_before_the_cart_changed_shows_the_order_again(db):
    _setup, customer, coke = await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    old_message, old_data = channel.chat("ann").find_button("Confirm order")
    await channel.send("ann", Command("cart"))  # back in the cart: that read-back is over
    await put_in_cart(db, customer, coke, 5)
    await channel.send("ann", Button(old_data), message_ref=old_message.ref)
    assert await order_count(db) == 0
    chat = channel.chat("ann")
    assert chat.toasts[-1] == "Your cart may have changed. Please check it once more."
    assert "Product COKE × 5 · ¥15.00" in old_message.text
    await channel.press("ann", "Confirm order · ¥18.00")
    assert await order_count(db) == 1


async def test_after_the_cutoff_the_order_arrives_tomorrow(db, clock):
    await shop_with_coke(db)
    clock.set(shanghai(2026, 11, 23, 16, 30))
    channel = MemoryChannel(db)
    assert f"Arrives tomorrow (Tue, Nov 24), {EVENING}" in await to_confirmation(channel)
    await channel.press("ann", "Confirm order")
    assert f"Arrives tomorrow (Tue, Nov 24), {EVENING}" in channel.chat("ann").last.text


async def test_an_item_that_sold_out_before_confirm_is_explained_and_nothing_is_ordered(db):
    _setup, customer, coke = await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    await set_stock(db, coke, 1)
    await channel.press("ann", "Confirm order")
    text = channel.chat("ann").last.text
    assert "Product COKE: You asked for 2, but only 1 is left. Please lower the quantity." in text
    assert "⚠️ only 1 left" in text and "✅ Checkout" in labels(channel.chat("ann").last)
    assert await order_count(db) == 0
    assert await cart_of(db, customer) == [(coke.id, 2)]
    async with db.uow() as uow:
        assert (await uow.session.get(Product, coke.id)).stock == 1


async def test_a_code_claimed_out_while_confirming_is_explained_and_the_cart_kept(db):
    setup, customer, coke = await shop_with_coke(db)
    await make_promotion(
        db,
        "COKE01",
        benefit="fixed_price_item",
        product_id=coke.id,
        fixed_price_fen=10,
        total_cap=1,
    )
    channel = MemoryChannel(db)
    await channel.send("ann", Command("cart"), language_code="en")
    await channel.press("ann", "Enter a promo code")
    await channel.send("ann", Text("COKE01"))
    await channel.press("ann", "✅ Checkout")
    await channel.press("ann", "✅ Correct")
    assert "Total: ¥6.10" in channel.chat("ann").last.text
    rival = await make_bound_customer(db, setup)
    await place(db, rival, [(coke, 1)], promo_code="COKE01")
    await channel.press("ann", "Confirm order")
    text = channel.chat("ann").last.text
    assert text.startswith("Sorry, the code COKE01 has been fully claimed.")
    assert "Product COKE × 2" in text
    assert await order_count(db) == 1  # the rival's only
    assert await cart_of(db, customer) == [(coke.id, 2)]
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Promotion.redeemed_count)) == 1


async def test_a_shopper_without_address_or_phone_is_asked_for_them_first(db):
    setup = await make_unit_with_partner(db)
    customer = await make_shopper(db, setup, building=None, phone=None)
    coke = await make_product(db, "COKE", price_fen=300)
    await put_in_cart(db, customer, coke, 2)
    channel = MemoryChannel(db)
    assert await to_checkout(channel) == "Which building do you live in?"
    await channel.press("ann", "2栋")
    assert "2栋: what is your room number?" in channel.chat("ann").last.text
    await channel.send("ann", Text("room twelve oh one please"))
    assert "Please enter your room number" in channel.chat("ann").last.text
    await channel.send("ann", Text("12-01"))
    asked = channel.chat("ann").last
    assert "Which mobile number" in asked.text and asked.ask_contact == "📱 Share my number"
    await channel.send("ann", Text("12345"))
    assert "Please enter an 11-digit mobile number." in channel.chat("ann").last.text
    await channel.send("ann", Contact("+86 139 1234 5678", own=False))
    assert "Please share your own number" in channel.chat("ann").last.text
    await channel.send("ann", Contact("+8613912345678"))
    assert channel.chat("ann").last.text == "Deliver to 2栋 12-01, phone 139****5678?"
    await channel.press("ann", "✅ Correct")
    await channel.press("ann", "Confirm order")
    assert await order_count(db) == 1


async def test_the_address_and_phone_can_be_changed_before_confirming(db):
    await shop_with_coke(db)
    channel = MemoryChannel(db)
    await to_checkout(channel)
    await channel.press("ann", "Change address")
    await channel.press("ann", "1栋")
    await channel.send("ann", Text("502"))
    assert channel.chat("ann").last.text == "Deliver to 1栋 502, phone 139****0000?"
    await channel.press("ann", "Change phone")
    await channel.send("ann", Text("✖️ Cancel"))
    assert channel.chat("ann").last.text == "Deliver to 1栋 502, phone 139****0000?"
    await channel.press("ann", "Change phone")
    await channel.send("ann", Text("138 0000 1111"))
    assert channel.chat("ann").last.text == "Deliver to 1栋 502, phone 138****1111?"
    async with db.uow() as uow:
        stored = await uow.session.scalar(select(Customer))
    assert (stored.room, stored.phone) == ("502", "13800001111")


async def test_a_shopper_not_yet_living_anywhere_is_asked_where_first(db):
    await make_unit_with_partner(db)
    coke = await make_product(db, "COKE", price_fen=300)
    channel = MemoryChannel(db)
    await channel.send("ann", Command("help"), language_code="en")  # first contact
    async with db.uow() as uow:
        customer = await uow.session.scalar(select(Customer))
    await put_in_cart(db, customer, coke, 1)
    await channel.send("ann", Command("cart"))
    await channel.press("ann", "✅ Checkout")
    texts = [message.text for message in channel.chat("ann").messages]
    assert any("tell us where you live" in text for text in texts)
    assert await order_count(db) == 0


async def test_a_restart_between_the_read_back_and_confirm_loses_nothing(db):
    _setup, customer, _coke = await shop_with_coke(db)
    before = MemoryChannel(db)
    await to_confirmation(before)
    _message, data = before.chat("ann").find_button("Confirm order")
    after = MemoryChannel(db)  # a new process: nothing in memory, everything in the database
    await after.send("ann", Button(data), update_id="after-restart")
    assert "placed!" in after.chat("ann").last.text
    assert await order_count(db) == 1 and await cart_of(db, customer) == []


async def test_a_partner_without_telegram_gets_the_ping_in_their_web_chat(db):
    setup, _customer, _coke = await shop_with_coke(db)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        partner.telegram_id = None
        await uow.commit()
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    await channel.press("ann", "Confirm order")
    assert "placed!" in channel.chat("ann").last.text
    # Their web partner chat (channel "web", partner-<id>) holds it until they look.
    assert set(channel.chats) == {"ann", f"partner-{setup.partner.id}"}
    assert "🆕" in channel.chat(f"partner-{setup.partner.id}").last.text
