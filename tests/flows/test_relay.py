"""My partner: customers write, the partner answers by replying, and answers never cross."""

from __future__ import annotations

from bot.flows.events import Command, Photo, Text, Unsupported
from bot.flows.partner import relay as partner_relay
from bot.handlers.memory import MemoryChannel, Message
from bot.i18n import translator
from core.models import Customer
from core.people.customers import bind_to_unit, customer_for_identity, set_address
from core.people.units import add_partner
from tests.factories import UnitSetup, make_unit_with_partner

HINT = translator("zh_CN").gettext(partner_relay.PARTNER_HINT)


async def neighbour(
    db, setup: UnitSetup, user: str, *, building: int = 2, room: str = "1201"
) -> Customer:
    """A customer of the in-memory channel living in ``setup``'s unit (English speaking)."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", user, locale="en")
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        await uow.commit()
    return customer


async def open_relay(channel: MemoryChannel, user: str) -> None:
    """Menu → 💬 My partner."""
    await channel.send(user, Command("menu"), language_code="en")
    await channel.press(user, "My partner")


def relayed(channel: MemoryChannel, partner_chat: str, address: str) -> Message:
    """The newest message in the partner's chat from the household at ``address``."""
    return next(m for m in reversed(channel.chat(partner_chat).messages) if address in m.text)


async def test_the_partner_screen_says_who_will_answer_and_how(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)

    await open_relay(channel, "alice")

    screen = channel.chat("alice").last
    assert "王阿姨" in screen.text and "text or photo" in screen.text
    assert any("Back to menu" in button.label for row in screen.buttons for button in row)


async def test_two_customers_write_one_partner_answers_and_answers_never_cross(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice", building=2, room="1201")
    await neighbour(db, setup, "bob", building=0, room="502")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")
    await open_relay(channel, "bob")

    await channel.send("alice", Text("Is the 5kg rice in stock?"), language_code="en")
    await channel.send("bob", Text("Can you bring water tonight?"), language_code="en")
    from_alice = relayed(channel, partner, "3栋 1201")
    from_bob = relayed(channel, partner, "1栋 502")
    await channel.send(partner, Text("Yes, two bags left."), reply_to_ref=from_alice.ref)
    await channel.send(partner, Text("OK, around 19:00."), reply_to_ref=from_bob.ref)

    assert "Is the 5kg rice in stock?" in from_alice.text
    assert "Can you bring water tonight?" in from_bob.text
    alice, bob = channel.chat("alice").last.text, channel.chat("bob").last.text
    assert "Yes, two bags left." in alice and "王阿姨" in alice and "19:00" not in alice
    assert "OK, around 19:00." in bob and "two bags" not in bob
    assert "3栋 1201" in channel.chat(partner).messages[-2].text
    assert "1栋 502" in channel.chat(partner).last.text


async def test_neither_side_sees_the_others_chat_account(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice_tg_handle")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice_tg_handle")

    await channel.send("alice_tg_handle", Text("Hello!"), language_code="en")
    await channel.send(partner, Text("Hi!"), reply_to_ref=relayed(channel, partner, "3栋 1201").ref)

    assert all("alice_tg_handle" not in m.text for m in channel.chat(partner).messages)
    reply = channel.chat("alice_tg_handle").last.text
    assert "Hi!" in reply and f" {partner}" not in reply and "user " not in reply


async def test_a_photo_is_relayed_with_its_caption_and_the_partner_can_answer_with_one(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")

    await channel.send(
        "alice", Photo("photo-leak", caption="The tap is leaking"), language_code="en"
    )
    shown = relayed(channel, partner, "3栋 1201")
    await channel.send(partner, Photo("photo-wrench", caption="This one?"), reply_to_ref=shown.ref)

    assert shown.photo_ref == "photo-leak" and "The tap is leaking" in shown.text
    answer = channel.chat("alice").last
    assert answer.photo_ref == "photo-wrench" and "This one?" in answer.text


async def test_the_customer_is_told_it_was_sent_and_stays_in_relay_mode_until_the_menu(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")

    await channel.send("alice", Text("First thing"), language_code="en")
    assert "Sent to your partner" in channel.chat("alice").last.text
    await channel.send("alice", Text("Second thing"), language_code="en")
    await channel.press("alice", "Back to menu")
    await channel.send("alice", Text("Third thing"), language_code="en")

    relayed_texts = [m.text for m in channel.chat(partner).messages]
    assert any("First thing" in t for t in relayed_texts)
    assert any("Second thing" in t for t in relayed_texts)
    assert not any("Third thing" in t for t in relayed_texts)


async def test_a_partner_message_that_answers_nobody_gets_a_hint_and_reaches_nobody(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")
    await channel.send("alice", Text("Hello"), language_code="en")
    alice_before = len(channel.chat("alice").messages)

    await channel.send(partner, Text("Hello everyone"))
    assert channel.chat(partner).last.text == HINT
    await channel.send(partner, Text("Answering what?"), reply_to_ref="no-such-message")
    assert channel.chat(partner).last.text == HINT

    assert len(channel.chat("alice").messages) == alice_before


async def test_the_partner_is_told_where_the_answer_went(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")
    await channel.send("alice", Text("Hello"), language_code="en")

    await channel.send(partner, Text("Hi"), reply_to_ref=relayed(channel, partner, "1201").ref)

    sent = translator("zh_CN").gettext("✅ Sent to {address}.").format(address="3栋 1201")
    assert channel.chat(partner).last.text == sent


async def test_a_very_long_message_is_cut_to_2000_characters_with_a_note(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")

    await channel.send("alice", Text("米" * 10_000), language_code="en")

    body = relayed(channel, partner, "3栋 1201").text.split("\n", 1)[1]
    assert len(body) == partner_relay.MAX_TEXT and body.endswith("…")
    assert "only the first 2000 characters" in channel.chat("alice").last.text


async def test_stickers_and_empty_messages_get_a_helpful_answer_and_nothing_is_sent(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")

    await channel.send("alice", Unsupported("sticker"), language_code="en")
    assert "text and photos" in channel.chat("alice").last.text
    await channel.send("alice", Text("   "), language_code="en")
    assert "write your message" in channel.chat("alice").last.text

    assert channel.chat(partner).messages == []


async def test_emoji_and_sql_looking_text_are_passed_on_as_written(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_relay(channel, "alice")

    await channel.send("alice", Text("🍎🍎🍎"), language_code="en")
    await channel.send("alice", Text("'; DROP TABLE orders; -- {name}"), language_code="en")

    texts = [m.text for m in channel.chat(partner).messages]
    assert any(t.endswith("🍎🍎🍎") for t in texts)
    assert any(t.endswith("'; DROP TABLE orders; -- {name}") for t in texts)


async def test_a_customer_without_a_home_is_told_gently_and_nothing_is_sent(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)

    await open_relay(channel, "newcomer")
    await channel.send("newcomer", Text("hello?"), language_code="en")

    texts = [m.text for m in channel.chat("newcomer").messages]
    assert any("Once you have chosen your building" in text for text in texts)
    assert channel.chat(str(setup.partner.telegram_id)).messages == []


async def test_a_unit_without_a_partner_to_write_to_says_so(db):
    setup = await make_unit_with_partner(db)
    await neighbour(db, setup, "alice")
    async with db.uow() as uow:
        await add_partner(uow, unit_code="jinxiu", name="李叔叔", replace=True)  # no Telegram
        await uow.commit()
    channel = MemoryChannel(db)

    await open_relay(channel, "alice")

    assert "no partner to write to" in channel.chat("alice").last.text
