"""The flow engine: menus, stale and forged buttons, redelivered updates, chat state."""

from __future__ import annotations

from sqlalchemy import select

from bot.flows import router
from bot.flows.context import Ctx
from bot.flows.events import Button, Command, Text
from bot.handlers.memory import MemoryChannel
from core.errors import OutOfStock
from core.models import ChatState
from core.orders.cart import cart_items, set_quantity
from core.people.customers import customer_for_identity
from tests.factories import make_bound_customer, make_product, make_unit_with_partner


async def test_help_shows_the_main_menu_in_the_customers_language(db):
    channel = MemoryChannel(db)
    await channel.send("u1", Command("help"), language_code="en")
    chat = channel.chat("u1")
    labels = [b.label for row in chat.last.buttons for b in row]
    assert "What would you like to do?" in chat.last.text
    assert len(labels) == 8 and any("Cart" in label for label in labels)
    await channel.send("u2", Command("help"), language_code="zh-hans")
    assert "配送" in channel.chat("u2").last.text or "您" in channel.chat("u2").last.text


async def test_a_forged_button_is_refused_politely_and_changes_nothing(db):
    channel = MemoryChannel(db)
    await channel.send("u1", Command("help"), language_code="en")
    await channel.send("u1", Button("m1:cart|AAAAAAAA"))
    await channel.send("u1", Button("x" * 500))
    assert channel.chat("u1").toasts == ["This button has expired. Here is the menu again."] * 2


async def test_a_button_from_another_chat_does_not_work_here(db):
    channel = MemoryChannel(db)
    await channel.send("alice", Command("help"), language_code="en")
    _message, data = channel.chat("alice").find_button("Cart")
    await channel.send("mallory", Button(data), language_code="en")
    assert channel.chat("mallory").toasts == ["This button has expired. Here is the menu again."]


async def test_a_redelivered_update_is_handled_once(db):
    channel = MemoryChannel(db)
    first = await channel.send("u1", Command("help"), update_id="77")
    again = await channel.send("u1", Command("help"), update_id="77")
    assert first and again == []


async def test_an_unknown_command_gets_a_helpful_answer(db):
    setup = await make_unit_with_partner(db)
    await make_bound_customer(db, setup)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("frobnicate"), language_code="en")
    texts = [m.text for m in channel.chat("u1").messages]
    assert any("I don't know that command" in text for text in texts)


async def test_chat_state_is_stored_with_a_version_that_moves_only_on_change(db):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Text("hello"), language_code="en")  # onboarding starts
    first = await _state(db)
    await channel.send("u1", Command("help"), language_code="en")  # back to the menu
    second = await _state(db)
    await channel.send("u1", Command("help"), language_code="en")  # nothing changes
    third = await _state(db)
    assert first[0] != "idle" and first[1] == 1
    assert second == ("idle", 2)
    assert third == ("idle", 2)


async def _state(db):
    async with db.uow() as uow:
        row = await uow.session.scalar(select(ChatState))
    return row.step, row.version


async def test_a_refused_step_keeps_nothing_it_wrote_but_says_why_and_counts_the_update(db):
    await make_unit_with_partner(db)
    product = await make_product(db, "REFUSE1", stock=5)

    @router.on_command("refuse_test")
    async def half_done_then_refused(ctx: Ctx) -> None:
        ctx.chat.go("refused_here")
        await set_quantity(ctx.uow, ctx.customer.id, product.id, 2)
        raise OutOfStock(sku=product.sku, left=0, wanted=2)

    try:
        channel = MemoryChannel(db)
        first = await channel.send(
            "u1", Command("refuse_test"), update_id="901", language_code="en"
        )
        again = await channel.send("u1", Command("refuse_test"), update_id="901")
    finally:
        router._COMMANDS.pop("refuse_test")
    assert [reply.text for reply in first] == ["Sorry, this item has just sold out."]
    assert again == []
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", "u1")
        lines = await cart_items(uow, customer.id)
        chat = await uow.session.scalar(select(ChatState))
    assert lines == []
    assert chat.step == "refused_here"
