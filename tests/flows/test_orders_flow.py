"""My orders: the list, one order's screen, cancelling before the cutoff, ordering again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from bot.flows.events import Command
from bot.flows.payloads import OrderAction
from bot.handlers.memory import MemoryChannel
from core.catalog.deals import set_deal
from core.models import CartLine, Order, Product
from core.orders.cart import cart_items
from tests.conftest import shanghai
from tests.factories import make_gift_rule, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import (
    EXPIRED,
    count,
    last_labels,
    memory_shopper,
    press_payload,
    texts,
)


async def open_my_orders(channel: MemoryChannel, user: str) -> None:
    """Menu → My orders."""
    await channel.send(user, Command("menu"), language_code="en")
    await channel.press(user, "My orders")


async def stock_of(db, product: Product) -> int:
    """The shelf count now."""
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(Product.stock).where(Product.id == product.id)))


async def status_of(db, order: Order) -> str:
    """The order's status now."""
    async with db.uow() as uow:
        return str(await uow.session.scalar(select(Order.status).where(Order.id == order.id)))


async def test_my_orders_lists_the_newest_first_with_status_and_total(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", price_fen=300)
    rice = await make_product(db, "rice", price_fen=4500, heavy=True)
    alice = await memory_shopper(db, setup, "alice")
    first = (await place(db, alice, [(cola, 2)])).order
    clock.advance(dt.timedelta(hours=1))
    second = (await place(db, alice, [(rice, 1)])).order
    channel = MemoryChannel(db)

    await open_my_orders(channel, "alice")

    labels = last_labels(channel, "alice")
    assert labels[0].startswith(f"{second.order_no} · placed · ¥")
    assert labels[1] == f"{first.order_no} · placed · {'¥9.00'}"  # ¥6 goods + ¥3 delivery


async def test_an_order_shows_status_delivery_evening_lines_totals_and_payment(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", price_fen=300)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 2)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")

    await channel.press("alice", order.order_no)

    screen = channel.chat("alice").last.text
    assert f"Order {order.order_no}" in screen
    assert "Status: Waiting to be packed" in screen
    assert "Delivery: Mon, Nov 23, 6:00\u202fPM–9:00\u202fPM" in screen
    assert "Product cola × 2: ¥6.00" in screen
    assert "Total: ¥9.00" in screen
    assert "Pay ¥9.00 when it arrives, in cash or by transfer." in screen
    assert "You can cancel until" in screen
    assert "Cancel order" in last_labels(channel, "alice")
    assert "⭐ Rate this delivery" not in last_labels(channel, "alice")


async def test_the_partner_is_told_at_once_when_a_customer_cancels_an_order(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10, name_zh="可乐")
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 3)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)
    await channel.press("alice", "Cancel order")

    await channel.press("alice", "Yes, cancel it")

    pings = [m.text for m in channel.chat(str(setup.partner.telegram_id)).messages]
    assert len(pings) == 1
    assert "顾客已取消订单" in pings[0] and order.order_no in pings[0]
    assert "可乐 ×3" in pings[0] and "¥" in pings[0]


async def test_cancelling_before_the_cutoff_cancels_and_puts_the_stock_back(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 3)])).order
    assert await stock_of(db, cola) == 7
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)

    await channel.press("alice", "Cancel order")
    assert "Are you sure" in channel.chat("alice").last.text
    await channel.press("alice", "Yes, cancel it")

    assert await status_of(db, order) == "cancelled"
    assert await stock_of(db, cola) == 10
    screen = channel.chat("alice").last.text
    assert f"Order {order.order_no} is cancelled. There's nothing to pay." in screen
    assert "Cancel order" not in last_labels(channel, "alice")


async def test_keeping_the_order_changes_nothing(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 3)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)
    await channel.press("alice", "Cancel order")

    await channel.press("alice", "No, keep it")

    assert await status_of(db, order) == "placed"
    assert "Status: Waiting to be packed" in channel.chat("alice").last.text


async def test_after_the_cutoff_the_order_explains_it_can_no_longer_be_cancelled(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 3)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)  # the Cancel button is still on screen
    clock.set(shanghai(2026, 11, 23, 15, 30))

    await channel.press("alice", "Cancel order")

    assert "can no longer be cancelled" in channel.chat("alice").last.text
    assert await status_of(db, order) == "placed"
    assert await stock_of(db, cola) == 7
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)
    assert "Packing has started, so this order can't be cancelled any more." in (
        channel.chat("alice").last.text
    )
    assert "Cancel order" not in last_labels(channel, "alice")


async def test_a_stale_yes_after_the_cutoff_is_refused_and_keeps_the_order(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 3)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)
    await channel.press("alice", "Cancel order")
    clock.set(shanghai(2026, 11, 23, 15, 0))

    await channel.press("alice", "Yes, cancel it")

    assert "can no longer be cancelled" in channel.chat("alice").last.text
    assert await status_of(db, order) == "placed"
    assert await stock_of(db, cola) == 7


async def test_same_as_last_time_refills_the_cart_and_says_what_changed(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", price_fen=300, stock=50)
    milk = await make_product(db, "milk", price_fen=1200, stock=50)
    eggs = await make_product(db, "eggs", price_fen=1500, stock=50)
    tea = await make_product(db, "tea", price_fen=800, stock=50)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 2), (milk, 1), (eggs, 4), (tea, 1)])).order
    async with db.uow() as uow:
        await uow.session.execute(
            update(Product).where(Product.id == cola.id).values(price_fen=350)
        )
        await uow.session.execute(update(Product).where(Product.id == milk.id).values(stock=0))
        await uow.session.execute(update(Product).where(Product.id == eggs.id).values(stock=3))
        await set_deal(uow, dt.date(2026, 11, 23), "tea", 600)
        await uow.commit()
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)

    await channel.press("alice", "Same as last time")

    shown = texts(channel, "alice")
    assert f"I've put order {order.order_no} in your cart. A few things changed" in shown
    assert "Product cola: now ¥3.50, up from ¥3.00." in shown
    assert "Product tea: now ¥6.00, down from ¥8.00." in shown
    assert "Product milk: sold out for now, so it was left out." in shown
    assert "Product eggs: only 3 left, so I added 3." in shown
    async with db.uow() as uow:
        cart = dict(await cart_items(uow, alice.id))
    assert cart == {cola.id: 2, eggs.id: 3, tea.id: 1}
    assert "Your cart" in channel.chat("alice").last.text


async def test_same_as_last_time_with_nothing_changed_says_so_and_leaves_gifts_out(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", price_fen=300)
    cup = await make_product(db, "cup", price_fen=500)
    await make_gift_rule(db, cola, cup)
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 2)])).order
    channel = MemoryChannel(db)
    await open_my_orders(channel, "alice")
    await channel.press("alice", order.order_no)
    assert "🎁 Product cup × 1: free gift" in channel.chat("alice").last.text

    await channel.press("alice", "Same as last time")

    assert f"I've put everything from order {order.order_no} in your cart" in texts(
        channel, "alice"
    )
    async with db.uow() as uow:
        assert await cart_items(uow, alice.id) == [(cola.id, 2)]


async def test_another_customers_order_id_is_refused_as_expired_and_nothing_changes(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola", stock=10)
    alice = await memory_shopper(db, setup, "alice")
    await memory_shopper(db, setup, "mallory", room="1302")
    order = (await place(db, alice, [(cola, 3)])).order
    channel = MemoryChannel(db)

    for action in ("view", "cancel", "confirm_cancel", "reorder", "rate"):
        await press_payload(channel, "mallory", OrderAction(order.id, action, 5))

    assert channel.chat("mallory").toasts == [EXPIRED] * 5
    assert order.order_no not in texts(channel, "mallory")
    assert await status_of(db, order) == "placed"
    assert await stock_of(db, cola) == 7
    assert await count(db, CartLine) == 0


async def test_an_order_id_that_does_not_exist_is_an_expired_button(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await press_payload(channel, "alice", OrderAction(987654, "view"))

    assert channel.chat("alice").toasts == [EXPIRED]


async def test_no_orders_yet_points_to_the_shop(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await open_my_orders(channel, "alice")

    assert "You haven't ordered anything yet" in channel.chat("alice").last.text
    assert any("Shop" in label for label in last_labels(channel, "alice"))
