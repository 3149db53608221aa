"""Feedback after delivery: stars from the order screen, then an optional comment, once."""

from __future__ import annotations

from sqlalchemy import select

from bot.flows.events import Command, Text, Unsupported
from bot.flows.payloads import OrderAction
from bot.handlers.memory import MemoryChannel
from core.models import Feedback
from tests.factories import deliver_order, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import count, last_labels, memory_shopper, press_payload


async def delivered_order(db, user: str = "alice"):
    """A customer whose order came this evening."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola")
    customer = await memory_shopper(db, setup, user)
    order = (await place(db, customer, [(cola, 2)])).order
    await deliver_order(db, order.id)
    return customer, order


async def open_order(channel: MemoryChannel, user: str, order_no: str) -> None:
    """Menu → My orders → the order."""
    await channel.send(user, Command("menu"), language_code="en")
    await channel.press(user, "My orders")
    await channel.press(user, order_no)


async def stored_feedback(db) -> list[tuple[int, str | None]]:
    """(rating, comment) of every feedback row."""
    async with db.uow() as uow:
        rows = await uow.session.execute(select(Feedback.rating, Feedback.comment))
        return [tuple(row) for row in rows]


async def test_five_stars_and_a_comment_are_stored_once(db):
    _alice, order = await delivered_order(db)
    channel = MemoryChannel(db)
    await open_order(channel, "alice", order.order_no)

    await channel.press("alice", "Rate this delivery")
    assert f"How was the delivery of order {order.order_no}?" in channel.chat("alice").last.text
    await channel.press("alice", "5 ⭐")
    assert "Would you like to add a few words?" in channel.chat("alice").last.text
    await channel.send("alice", Text("Fresh and right on time"), language_code="en")

    assert f"Thank you for rating order {order.order_no}." in channel.chat("alice").last.text
    assert await stored_feedback(db) == [(5, "Fresh and right on time")]


async def test_the_order_screen_shows_my_rating_instead_of_the_button(db):
    _alice, order = await delivered_order(db)
    channel = MemoryChannel(db)
    await open_order(channel, "alice", order.order_no)
    await channel.press("alice", "Rate this delivery")
    await channel.press("alice", "4 ⭐")
    await channel.press("alice", "Skip")

    await open_order(channel, "alice", order.order_no)

    assert "Your rating: ⭐⭐⭐⭐" in channel.chat("alice").last.text
    assert "⭐ Rate this delivery" not in last_labels(channel, "alice")
    assert await stored_feedback(db) == [(4, None)]


async def test_a_second_rating_of_the_same_order_is_explained_as_already_given(db):
    _alice, order = await delivered_order(db)
    channel = MemoryChannel(db)
    await open_order(channel, "alice", order.order_no)
    await channel.press("alice", "Rate this delivery")
    await channel.press("alice", "5 ⭐")
    await channel.send("alice", Text("Great"), language_code="en")

    await press_payload(channel, "alice", OrderAction(order.id, "rate", 1))
    await press_payload(channel, "alice", OrderAction(order.id, "skip", 1))

    already = f"Thank you, you've already rated order {order.order_no}."
    assert [m.text for m in channel.chat("alice").messages[-2:]] == [already, already]
    assert await stored_feedback(db) == [(5, "Great")]


async def test_rating_an_order_not_yet_delivered_is_refused(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola")
    alice = await memory_shopper(db, setup, "alice")
    order = (await place(db, alice, [(cola, 1)])).order
    channel = MemoryChannel(db)

    await press_payload(channel, "alice", OrderAction(order.id, "rate", 5))
    await channel.send("alice", Text("where is it?"), language_code="en")

    assert (
        f"You can rate order {order.order_no} once it has been delivered."
        in channel.chat("alice").messages[0].text
    )
    assert await count(db, Feedback) == 0


async def test_a_very_long_comment_gets_a_hint_and_the_next_try_is_kept(db):
    _alice, order = await delivered_order(db)
    channel = MemoryChannel(db)
    await open_order(channel, "alice", order.order_no)
    await channel.press("alice", "Rate this delivery")
    await channel.press("alice", "5 ⭐")

    await channel.send("alice", Text("x" * 10_000), language_code="en")
    assert "Please keep it under 1000 characters" in channel.chat("alice").last.text
    await channel.send("alice", Unsupported("sticker"), language_code="en")
    assert "Please type your comment as a message" in channel.chat("alice").last.text
    await channel.send("alice", Text("🍎🍎🍎"), language_code="en")

    assert await stored_feedback(db) == [(5, "🍎🍎🍎")]


async def test_a_poor_rating_gets_an_apology(db):
    _alice, order = await delivered_order(db)
    channel = MemoryChannel(db)
    await open_order(channel, "alice", order.order_no)
    await channel.press("alice", "Rate this delivery")
    await channel.press("alice", "2 ⭐")

    await channel.send("alice", Text("The eggs were broken"), language_code="en")

    assert "We're sorry it wasn't better." in channel.chat("alice").last.text
    assert await stored_feedback(db) == [(2, "The eggs were broken")]
