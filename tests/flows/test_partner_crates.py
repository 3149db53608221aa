"""Crates: a partner sees what is out, books a visit to an overdue household, hears why."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.flows.events import Button, Command, Photo, Text
from bot.flows.partner import winback
from bot.flows.partner.crates import CratesVisit
from bot.flows.partner.home import PartnerScreen
from bot.flows.partner.winback import WinbackReason
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.models import CratePickup, Customer, WinbackQuestion
from core.partners.winback import MAX_COMMENT
from core.people.customers import set_opt_out
from tests.conftest import shanghai
from tests.factories import UnitSetup, deliver_order, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import (
    EXPIRED,
    count,
    last_labels,
    memory_shopper,
    press_payload,
    texts,
)
from tests.flows.shopping import make_shopper

ASKED = (
    "Your partner 王阿姨 will come by on Mon, Dec 7 to collect the crates. "
    "May we ask why you stopped ordering?"
)
REASONS = [
    "💰 Prices",
    "🥬 Quality",
    "🕒 Delivery time",
    "🧳 Moved or away",
    "🙅 No longer needed",
    "✏️ Something else",
]


async def _named(db, setup: UnitSetup, user: str, name: str, **where) -> Customer:
    """A customer of the memory channel with a display name."""
    customer = await memory_shopper(db, setup, user, **where)
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        row.display_name = name
        await uow.commit()
    return customer


async def _delivered(db, clock, customer, product, *, on: dt.date, crates: int) -> None:
    """Ordered in the morning of ``on`` and delivered that evening with ``crates`` crates."""
    clock.set(shanghai(on.year, on.month, on.day, 10))
    order = (await place(db, customer, [(product, 1)])).order
    clock.set(shanghai(on.year, on.month, on.day, 19))
    assert await deliver_order(db, order.id, crates=crates)


async def _unit_with_alice_overdue(db, clock):
    """Alice got two crates on Monday 23 Nov; Bob one on Wednesday 2 Dec. Now: Mon 7 Dec, 10:00."""
    setup = await make_unit_with_partner(db)
    alice = await _named(db, setup, "alice", "Alice", building=1, room="301")
    bob = await _named(db, setup, "bob", "Bob", building=0, room="502")
    cola = await make_product(db, "COLA", stock=100)
    await _delivered(db, clock, alice, cola, on=dt.date(2026, 11, 23), crates=2)
    await _delivered(db, clock, bob, cola, on=dt.date(2026, 12, 2), crates=1)
    clock.set(shanghai(2026, 12, 7, 10))
    return setup, alice, bob


async def _open_crates(channel: MemoryChannel, partner: str) -> str:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Crates")
    return channel.chat(partner).last.text


async def _book_alice(channel: MemoryChannel, partner: str) -> None:
    await _open_crates(channel, partner)
    await channel.press(partner, "Schedule pickup visit · 2栋 301")


async def _question(db, customer: Customer) -> WinbackQuestion | None:
    async with db.uow() as uow:
        return await uow.session.scalar(
            select(WinbackQuestion).where(WinbackQuestion.customer_id == customer.id)
        )


async def test_the_crates_screen_shows_what_is_out_and_the_overdue_households(db, clock):
    setup, _, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_crates(channel, partner)

    assert "📦 Out in your unit: 3 crates, with 2 households." in text
    assert "⏰ Overdue (14+ days, no new order): 1 household." in text
    assert "2栋 301 Alice · 2 crates · 14 days" in text
    assert "Bob" not in text  # five days out: not overdue yet
    assert last_labels(channel, partner) == [
        "🚚 Schedule pickup visit · 2栋 301",
        "🏠 Partner home",
    ]


async def test_the_crates_button_comes_last_on_the_cockpit(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await channel.send(partner, Command("partner"), language_code="en")

    labels = last_labels(channel, partner)
    assert labels.index("📦 Crates") == labels.index("🛒 Shop as a customer") - 1


async def test_booking_a_visit_updates_the_screen_in_place_and_asks_the_customer(db, clock):
    setup, _, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_crates(channel, partner)
    shown = len(channel.chat(partner).messages)

    await channel.press(partner, "Schedule pickup visit · 2栋 301")

    screen = channel.chat(partner).last
    assert len(channel.chat(partner).messages) == shown  # edited, not a new message
    assert screen.text.startswith(
        "✅ 2栋 301: visit booked for Mon, Dec 7. It is on that evening's run sheet.\n"
        "We asked them why they stopped ordering; their answer will come to you here."
    )
    assert "2栋 301 Alice · 2 crates · 14 days · 🚚 visit booked for Mon, Dec 7" in screen.text
    assert last_labels(channel, partner) == ["🏠 Partner home"]
    question = channel.chat("alice").last
    assert question.text == ASKED
    assert [button.label for row in question.buttons for button in row] == REASONS


async def test_the_booked_visit_is_a_stop_on_that_evenings_run_sheet(db, clock):
    setup, _, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _book_alice(channel, partner)

    await channel.press(partner, "Partner home")
    await channel.press(partner, "Tonight")
    await channel.press(partner, "Run sheet")

    assert "📦 2栋 301" in channel.chat(partner).last.text
    await channel.press(partner, "📦 2栋 301")
    assert "2" in channel.chat(partner).last.text
    async with db.uow() as uow:
        pickup = await uow.session.scalar(select(CratePickup))
    assert (pickup.pickup_date, pickup.requested_by) == (dt.date(2026, 12, 7), "partner")


async def test_the_customers_reason_is_recorded_and_the_partner_told(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _book_alice(channel, partner)

    await channel.press("alice", "Prices")

    assert channel.chat("alice").last.text == (
        "Thank you for telling us. Your partner will see it, and it helps us do better."
    )
    assert channel.chat(partner).last.text == (
        "📦 2栋 301 (Alice) told us why they stopped ordering: 💰 Prices"
    )
    question = await _question(db, alice)
    assert question.reason == "prices" and question.answered_at is not None


async def test_the_partner_can_reply_to_the_answer_and_it_reaches_that_customer(db, clock):
    setup, _, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _book_alice(channel, partner)
    await channel.press("alice", "Quality")

    told = channel.chat(partner).last
    await channel.send(partner, Text("Sorry! I'll bring fresh ones."), reply_to_ref=told.ref)

    assert channel.chat("alice").last.text.endswith("Sorry! I'll bring fresh ones.")
    assert channel.chat("bob").messages == []


async def test_something_else_takes_one_line_and_refuses_empty_or_huge_text(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _book_alice(channel, partner)

    await channel.press("alice", "Something else")
    assert channel.chat("alice").last.text.startswith("Thank you! In one line, what made you stop?")
    await channel.send("alice", Text("   "), language_code="en")
    assert "That was empty" in channel.chat("alice").last.text
    await channel.send("alice", Text("字" * (MAX_COMMENT + 1)), language_code="en")
    assert f"at most {MAX_COMMENT} characters" in channel.chat("alice").last.text
    await channel.send("alice", Photo("a-photo"), language_code="en")
    assert "Please type it as a message" in channel.chat("alice").last.text
    await channel.send("alice", Text("We moved\nto Pudong"), language_code="en")

    assert channel.chat("alice").last.text.startswith(
        "Thank you! We have passed it on to your partner."
    )
    assert channel.chat(partner).last.text == "📦 2栋 301 (Alice) added: We moved to Pudong"
    question = await _question(db, alice)
    assert (question.reason, question.comment) == ("other", "We moved to Pudong")
    await channel.send("alice", Text("hello"), language_code="en")  # back to the menu
    assert (await _question(db, alice)).comment == "We moved to Pudong"


async def test_skip_leaves_no_comment_and_the_next_message_is_ordinary(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    await _book_alice(channel, str(setup.partner.telegram_id))
    await channel.press("alice", "Something else")

    await channel.press("alice", "Skip")
    await channel.send("alice", Text("is this a comment?"), language_code="en")

    question = await _question(db, alice)
    assert (question.reason, question.comment) == ("other", None)


async def test_answering_twice_keeps_the_first_answer(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _book_alice(channel, partner)
    message, quality = channel.chat("alice").find_button("Quality")
    _, prices = channel.chat("alice").find_button("Prices")

    await channel.send("alice", Button(prices), message_ref=message.ref)
    told = len(channel.chat(partner).messages)
    await channel.send("alice", Button(quality), message_ref=message.ref)

    assert channel.chat("alice").last.text == "You have told us already. Thank you!"
    assert (await _question(db, alice)).reason == "prices"
    assert len(channel.chat(partner).messages) == told


async def test_tapping_schedule_twice_books_one_visit_and_asks_once(db, clock):
    setup, _, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_crates(channel, partner)
    message, data = channel.chat(partner).find_button("Schedule pickup visit")

    await channel.send(partner, Button(data), message_ref=message.ref, language_code="en")
    await channel.send(partner, Button(data), message_ref=message.ref, language_code="en")

    assert await count(db, CratePickup) == 1 and await count(db, WinbackQuestion) == 1
    assert [m.text for m in channel.chat("alice").messages] == [ASKED]
    assert channel.chat(partner).last.text.startswith(
        "🚚 2栋 301: the visit is booked for Mon, Dec 7 already."
    )


async def test_a_partner_of_another_unit_forging_a_customer_id_books_nothing(db, clock):
    _, alice, _ = await _unit_with_alice_overdue(db, clock)
    other = await make_unit_with_partner(db, "yuyuan")
    channel = MemoryChannel(db)
    stranger = str(other.partner.telegram_id)

    await press_payload(channel, stranger, CratesVisit(alice.id))

    assert channel.chat(stranger).toasts[-1] == EXPIRED
    assert "301" not in texts(channel, stranger) and "Alice" not in texts(channel, stranger)
    assert await count(db, CratePickup) == 0 and await count(db, WinbackQuestion) == 0
    assert channel.chat("alice").messages == []


async def test_a_customer_pressing_crates_buttons_gets_expired_and_nothing_is_booked(db, clock):
    _, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)

    for item in (PartnerScreen("crates"), CratesVisit(alice.id)):
        await press_payload(channel, "bob", item)
        assert channel.chat("bob").toasts[-1] == EXPIRED
        assert "Alice" not in channel.chat("bob").last.text

    assert await count(db, CratePickup) == 0
    assert channel.chat("alice").messages == []


async def test_a_customer_cannot_answer_another_customers_question(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    channel = MemoryChannel(db)
    await _book_alice(channel, str(setup.partner.telegram_id))
    question = await _question(db, alice)

    await press_payload(channel, "bob", WinbackReason(question.id, "prices"))

    assert channel.chat("bob").toasts[-1] == EXPIRED
    assert (await _question(db, alice)).reason is None


async def test_an_empty_unit_gets_a_friendly_no_crates_line(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_crates(channel, partner)

    assert text.startswith("📦 No crates out in your unit right now")
    assert last_labels(channel, partner) == ["🏠 Partner home"]


async def test_crates_out_but_none_overdue_says_so(db, clock):
    setup = await make_unit_with_partner(db)
    bob = await _named(db, setup, "bob", "Bob", room="502")
    cola = await make_product(db, "COLA", stock=100)
    await _delivered(db, clock, bob, cola, on=dt.date(2026, 12, 2), crates=1)
    clock.set(shanghai(2026, 12, 7, 10))
    channel = MemoryChannel(db)

    text = await _open_crates(channel, str(setup.partner.telegram_id))

    assert "Out in your unit: 1 crate, with 1 household." in text
    assert "No household is overdue" in text


async def test_a_customer_who_opted_out_is_booked_but_not_asked_and_the_partner_is_told(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    async with db.uow() as uow:
        await set_opt_out(uow, await uow.session.get(Customer, alice.id), "winback", opted_out=True)
        await uow.commit()
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _book_alice(channel, partner)

    assert "They chose not to get “we miss you” messages" in channel.chat(partner).last.text
    assert channel.chat("alice").messages == []
    assert await count(db, CratePickup) == 1
    assert (await _question(db, alice)).asked_at is None


async def test_the_question_speaks_the_customers_language_and_the_answer_the_partners(db, clock):
    setup = await make_unit_with_partner(db)
    zhang = await make_shopper(db, setup, "zhang", building=1, room="301", locale="zh_CN")
    cola = await make_product(db, "COLA", stock=100)
    await _delivered(db, clock, zhang, cola, on=dt.date(2026, 11, 23), crates=2)
    clock.set(shanghai(2026, 12, 7, 10))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    zh = translator("zh_CN")

    await _book_alice(channel, partner)
    asked = channel.chat("zhang").last.text
    await channel.press("zhang", zh.gettext("💰 Prices"))

    assert asked == zh.gettext(winback.ASK).format(
        name="王阿姨", day=zh.weekday_date(dt.date(2026, 12, 7))
    )
    assert "12月7日" in asked and "May we ask" not in asked  # translated, not the msgid
    assert channel.chat("zhang").last.text == zh.gettext(
        "Thank you for telling us. Your partner will see it, and it helps us do better."
    )
    assert channel.chat(partner).last.text.endswith(": 💰 Prices")  # the partner reads English


async def test_the_next_page_of_overdue_households_opens_with_the_arrow(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", stock=100)
    for n in range(8):
        person = await _named(db, setup, f"n{n}", f"邻居{n}", room=f"{101 + n}")
        await _delivered(db, clock, person, cola, on=dt.date(2026, 11, 10 + n), crates=1)
    clock.set(shanghai(2026, 12, 10, 10))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    first = await _open_crates(channel, partner)
    await channel.press(partner, "▶️")
    second = channel.chat(partner).last.text

    assert "邻居0" in first and "邻居5" in first and "邻居6" not in first
    assert "Page 1 of 2" in first and "邻居6" in second and "邻居7" in second
    await channel.press(partner, "Schedule pickup visit · 1栋 108")
    assert "Page 2 of 2" in channel.chat(partner).last.text
    assert "邻居7 · 1 crate · 23 days · 🚚 visit booked for Thu, Dec 10" in (
        channel.chat(partner).last.text
    )


async def _ask(db, setup: UnitSetup, customer: Customer, day: dt.date) -> tuple[bool, list]:
    """``ask_why_stopped`` as a later flow would call it, from the partner's chat."""
    from bot.flows import state
    from bot.flows.context import ChatData, Ctx
    from bot.flows.events import Incoming

    key = await state.signing_key(db)
    partner_chat = str(setup.partner.telegram_id)
    async with db.uow() as uow:
        incoming = Incoming("memory", partner_chat, partner_chat, Command("partner"))
        me = Customer(locale="en", created_at=uow.clock.now())
        ctx = Ctx(uow, incoming, me, ChatData(), translator("en"), key)
        sent = await winback.ask_why_stopped(ctx, customer.id, setup.partner, day)
        await uow.commit()
    return sent, ctx.replies


async def test_ask_why_stopped_can_be_reused_and_never_asks_twice_for_one_visit(db, clock):
    setup, alice, _ = await _unit_with_alice_overdue(db, clock)
    friday = dt.date(2026, 12, 11)

    sent, replies = await _ask(db, setup, alice, friday)
    again, replies_again = await _ask(db, setup, alice, friday)

    assert (sent, again) == (True, True)
    (forward,) = replies
    assert forward.chat_id == "alice" and "Fri, Dec 11" in forward.text
    assert len(forward.buttons) == 3 and replies_again == []
    question = await _question(db, alice)
    assert question.visit_date == friday and question.pickup_id is None
    assert question.asked_at is not None
