"""Customers: a partner pages through the unit's households, opens one, writes to them only."""

from __future__ import annotations

from bot.flows.events import Command, Photo, Text
from bot.flows.partner import relay as partner_relay
from bot.flows.partner.customers import CustomerOpen, CustomerWrite
from bot.flows.partner.home import PartnerScreen
from bot.handlers.memory import MemoryChannel, Message
from bot.i18n import translator
from core.models import Customer
from core.people.customers import set_household_profile
from tests.factories import (
    UnitSetup,
    deliver_order,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.flows.memory_shoppers import EXPIRED, last_labels, memory_shopper, press_payload

HINT = translator("zh_CN").gettext(partner_relay.PARTNER_HINT)


async def _neighbour(
    db,
    setup: UnitSetup,
    user: str,
    name: str,
    *,
    building: int = 0,
    room: str = "1201",
    consent: bool | None = None,
    elderly: bool = False,
    children: bool = False,
) -> Customer:
    """A named customer of the memory channel; ``consent`` None leaves the profile untouched."""
    customer = await memory_shopper(db, setup, user, building=building, room=room)
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        assert row is not None
        row.display_name = name
        if consent is not None:
            await set_household_profile(
                uow, row, consent=consent, elderly=elderly, children=children
            )
        elif elderly or children:  # flags without consent: must never show
            row.has_elderly, row.has_children = elderly, children
        await uow.commit()
    return customer


async def _open_customers(channel: MemoryChannel, partner: str) -> str:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Customers")
    return channel.chat(partner).last.text


async def _write(channel: MemoryChannel, partner: str, door: str, event) -> None:
    """List → the household's button → ✉️ Write → the message."""
    await _open_customers(channel, partner)
    await channel.press(partner, door)
    await channel.press(partner, "Write to them")
    await channel.send(partner, event, language_code="en")


def _from(channel: MemoryChannel, partner: str, address: str) -> Message:
    """The newest relayed message in the partner's chat from the household at ``address``."""
    return next(
        m
        for m in reversed(channel.chat(partner).messages)
        if m.text.startswith("💬") and address in m.text
    )


async def test_the_customers_button_sits_right_after_tonight_on_the_cockpit(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await channel.send(partner, Command("partner"), language_code="en")

    labels = last_labels(channel, partner)
    assert labels.index("👥 Customers") == labels.index("🚚 Tonight") + 1


async def test_the_list_shows_last_order_crates_and_only_the_flags_shared_with_consent(db, clock):
    setup = await make_unit_with_partner(db)
    zhang = await _neighbour(db, setup, "zhang", "张阿姨", room="301", consent=True, elderly=True)
    await _neighbour(db, setup, "li", "李先生", room="302", children=True)  # never consented
    cola = await make_product(db, "COLA", stock=100)
    placed = await place(db, zhang, [(cola, 1)])
    assert await deliver_order(db, placed.order.id, crates=2)
    channel = MemoryChannel(db)

    text = await _open_customers(channel, str(setup.partner.telegram_id))

    assert "1栋 301 张阿姨 · last order 11-23 · 2 crates · 👴 elderly" in text
    assert "1栋 302 李先生 · no order yet" in text
    assert "children" not in text and "🧒" not in text
    assert "2 households" in text


async def test_the_list_pages_with_arrows_and_a_page_past_the_end_shows_the_last(db):
    setup = await make_unit_with_partner(db)
    for number in range(10):
        await _neighbour(db, setup, f"n{number}", f"邻居{number}", room=f"{101 + number}")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    first = await _open_customers(channel, partner)
    assert "邻居0" in first and "邻居7" in first and "邻居8" not in first
    assert "Page 1 of 2" in first and "◀️" not in last_labels(channel, partner)
    await channel.press(partner, "▶️")
    second = channel.chat(partner).last.text
    assert "邻居8" in second and "邻居9" in second and "邻居0" not in second
    assert "▶️" not in last_labels(channel, partner)
    await press_payload(channel, partner, PartnerScreen("customers", 7))
    assert "Page 2 of 2" in channel.chat(partner).last.text
    await channel.press(partner, "◀️")
    assert "Page 1 of 2" in channel.chat(partner).last.text


async def test_the_card_shows_phone_orders_crates_and_goes_back_to_the_same_page(db):
    setup = await make_unit_with_partner(db)
    for number in range(9):
        await _neighbour(db, setup, f"n{number}", f"邻居{number}", room=f"{101 + number}")
    cola = await make_product(db, "COLA", price_fen=300, stock=100)
    last = await _neighbour(db, setup, "zhao", "赵奶奶", room="999", consent=True, elderly=True)
    placed = await place(db, last, [(cola, 2)])
    assert await deliver_order(db, placed.order.id, crates=1)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_customers(channel, partner)
    await channel.press(partner, "▶️")

    await channel.press(partner, "赵奶奶")

    card = channel.chat(partner).last.text
    assert "1栋 999 赵奶奶" in card and f"📞 {last.phone}" in card
    assert "1 order" in card and "crates out: 1" in card and "👴 elderly" in card
    assert f"{placed.order.order_no} · 11-23 · {_money(placed.order.total_fen)} · delivered" in card
    assert "Write to them" in " ".join(last_labels(channel, partner))
    await channel.press(partner, "Back to the list")
    assert "Page 2 of 2" in channel.chat(partner).last.text


def _money(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


async def test_writing_to_a_customer_reaches_that_customer_only_labelled_from_the_partner(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    await _neighbour(db, setup, "bob", "Bob", room="302")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _write(channel, partner, "Alice", Text("Your rice came in today."))

    assert channel.chat("alice").last.text == "💬 Your partner 王阿姨:\nYour rice came in today."
    assert channel.chat("bob").messages == []
    done = channel.chat(partner).last
    assert done.text == "✅ Sent to 1栋 301."
    assert "👤 Back to 1栋 301 Alice" in [b.label for row in done.buttons for b in row]
    await channel.send(partner, Text("hello?"), language_code="en")  # back to idle
    assert channel.chat("alice").last.text.endswith("Your rice came in today.")
    assert channel.chat(partner).last.text == HINT


async def test_a_photo_can_be_written_and_back_to_the_card_opens_it_again(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _write(channel, partner, "Alice", Photo("photo-new-crates", caption="New crates!"))
    await channel.press(partner, "Back to 1栋 301")

    assert channel.chat("alice").last.photo_ref == "photo-new-crates"
    assert "New crates!" in channel.chat("alice").last.text
    assert channel.chat(partner).last.text.startswith("👤 1栋 301 Alice")


async def test_cancel_writes_nothing_and_returns_to_the_card(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_customers(channel, partner)
    await channel.press(partner, "Alice")
    await channel.press(partner, "Write to them")

    await channel.press(partner, "Cancel")
    await channel.send(partner, Text("not for Alice"), language_code="en")

    assert channel.chat("alice").messages == []
    assert any(m.text.startswith("👤 1栋 301 Alice") for m in channel.chat(partner).messages)


async def test_two_customers_answer_and_the_partners_replies_never_cross(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    await _neighbour(db, setup, "bob", "Bob", building=1, room="502")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _write(channel, partner, "Alice", Text("Alice, your eggs?"))
    await _write(channel, partner, "Bob", Text("Bob, your water?"))

    for user, answer in (("alice", "Yes please, 10 eggs"), ("bob", "Two bottles please")):
        await channel.send(user, Command("menu"), language_code="en")
        await channel.press(user, "My partner")
        await channel.send(user, Text(answer), language_code="en")
    from_alice, from_bob = _from(channel, partner, "1栋 301"), _from(channel, partner, "2栋 502")
    await channel.send(partner, Text("Eggs tonight."), reply_to_ref=from_alice.ref)
    await channel.send(partner, Text("Water tonight."), reply_to_ref=from_bob.ref)

    assert "10 eggs" in from_alice.text and "Alice" in from_alice.text
    assert "Two bottles" in from_bob.text and "Bob" in from_bob.text
    alice = [m.text for m in channel.chat("alice").messages if m.text.startswith("💬")]
    bob = [m.text for m in channel.chat("bob").messages if m.text.startswith("💬")]
    assert alice == [
        "💬 Your partner 王阿姨:\nAlice, your eggs?",
        "💬 Your partner 王阿姨:\nEggs tonight.",
    ]
    assert bob == [
        "💬 Your partner 王阿姨:\nBob, your water?",
        "💬 Your partner 王阿姨:\nWater tonight.",
    ]


async def test_a_very_long_message_is_clipped_with_a_note_to_the_partner(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _write(channel, partner, "Alice", Text("米" * 10_000))

    body = channel.chat("alice").last.text.split("\n", 1)[1]
    assert len(body) == partner_relay.MAX_TEXT and body.endswith("…")
    assert "only the first 2000 characters" in channel.chat(partner).last.text


async def test_an_empty_message_is_refused_kindly_and_the_next_one_still_goes(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _write(channel, partner, "Alice", Text("   "))
    assert "write your answer first" in channel.chat(partner).last.text
    assert "✖️ Cancel" in last_labels(channel, partner)
    await channel.send(partner, Text("Now with words"), language_code="en")

    assert channel.chat("alice").last.text.endswith("Now with words")


async def test_a_customer_pressing_or_forging_customer_buttons_gets_expired(db):
    setup = await make_unit_with_partner(db)
    await _neighbour(db, setup, "alice", "Alice", room="301")
    bob = await _neighbour(db, setup, "bob", "Bob", room="302")
    channel = MemoryChannel(db)

    for item in (PartnerScreen("customers"), CustomerOpen(bob.id), CustomerWrite(bob.id)):
        await press_payload(channel, "alice", item)
        assert channel.chat("alice").toasts[-1] == EXPIRED
        assert "Bob" not in channel.chat("alice").last.text
        assert "302" not in channel.chat("alice").last.text
    await channel.send("alice", Text("is this going to Bob?"), language_code="en")

    assert channel.chat("bob").messages == []


async def test_a_partner_of_another_unit_cannot_open_or_write_to_this_units_customer(db):
    setup = await make_unit_with_partner(db, "jinxiu")
    other = await make_unit_with_partner(db, "yuyuan")
    alice = await _neighbour(db, setup, "alice", "Alice", room="301")
    channel = MemoryChannel(db)
    stranger = str(other.partner.telegram_id)

    await press_payload(channel, stranger, CustomerOpen(alice.id))
    assert channel.chat(stranger).toasts[-1] == EXPIRED
    await press_payload(channel, stranger, CustomerWrite(alice.id))
    assert channel.chat(stranger).toasts[-1] == EXPIRED
    await channel.send(stranger, Text("Hello Alice"), language_code="en")

    shown = "\n".join(m.text for m in channel.chat(stranger).messages)
    assert "Alice" not in shown and "301" not in shown and "13900000000" not in shown
    assert channel.chat("alice").messages == []


async def test_a_unit_with_no_customers_gets_a_kind_word_and_the_invite_button(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_customers(channel, partner)

    assert text.startswith("No customers in your unit yet.")
    assert "📣 Invite neighbours" in last_labels(channel, partner)


async def test_the_customers_chat_account_never_shows_on_the_list_or_card(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice_tg_handle", room="301")  # gave no name
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _open_customers(channel, partner)
    await channel.press(partner, "1栋 301")

    shown = "\n".join(m.text for m in channel.chat(partner).messages)
    labels = " ".join(last_labels(channel, partner))
    assert "alice_tg_handle" not in shown + labels and "user " not in shown
    assert "1栋 301 a customer" in shown
