"""Onboarding: a new customer finds their home by link or by hand, and meets their partner."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.flows.events import Command, Contact, Location, Photo, Text, Unsupported
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.models import Building, Customer, Unit
from core.people.customers import customer_for_identity
from core.people.invites import invite_link_payload
from core.people.units import add_partner, create_unit
from tests.factories import make_unit_with_partner

EN = translator("en")
TWELVE = tuple(f"{n}栋" for n in range(1, 13))


async def stored(db, user: str) -> Customer:
    """The customer behind a memory-channel user, as saved."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", user)
        await uow.commit()
    return customer


async def building_label(db, building_id: int | None) -> str | None:
    """The label of a saved building."""
    async with db.uow() as uow:
        building = await uow.session.get(Building, building_id) if building_id else None
        return building.label if building else None


async def make_tall_unit(db) -> Unit:
    """Unit 阳光小区 with twelve buildings (two pages) and its partner 李师傅."""
    async with db.uow() as uow:
        unit = await create_unit(
            uow,
            code="yangguang",
            name_zh="阳光小区",
            name_en="Sunshine Estate",
            area="徐汇",
            buildings=list(TWELVE),
            cutoff=dt.time(14, 30),
            window_start=dt.time(18, 30),
            window_end=dt.time(20, 30),
        )
        await add_partner(uow, unit_code="yangguang", name="李师傅")
        await uow.commit()
    return unit


def labels(message) -> list[str]:
    """Every inline button label of a message."""
    return [button.label for row in message.buttons for button in row]


# --- by link -----------------------------------------------------------------------------


async def test_a_leaflet_qr_binds_unit_and_partner_and_preselects_the_building(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    payload = invite_link_payload(setup.partner.invite_code, 1)
    await channel.send("u1", Command("start", payload), language_code="en")
    chat = channel.chat("u1")
    assert "王阿姨 invited you" in chat.last.text
    assert "2栋: which room do you live in?" in chat.last.text
    customer = await stored(db, "u1")
    assert customer.unit_id == setup.unit.id
    assert customer.referred_by_partner_id == setup.partner.id
    assert customer.invite_code == setup.partner.invite_code
    await channel.send("u1", Text("1203"))
    customer = await stored(db, "u1")
    assert (await building_label(db, customer.building_id), customer.room) == ("2栋", "1203")
    assert chat.last.ask_contact == "📱 Share my phone number"


async def test_a_partners_link_without_a_building_asks_for_the_building(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send(
        "u1", Command("start", invite_link_payload(setup.partner.invite_code)), language_code="en"
    )
    chat = channel.chat("u1")
    assert "Which building do you live in?" in chat.last.text
    assert labels(chat.last) == ["1栋", "2栋", "3栋"]  # no way to another neighbourhood
    assert (await stored(db, "u1")).referred_by_partner_id == setup.partner.id


async def test_a_second_partners_link_does_not_rebind_a_customer(db):
    first = await make_unit_with_partner(db)
    await make_tall_unit(db)
    channel = MemoryChannel(db)
    await channel.send(
        "u1",
        Command("start", invite_link_payload(first.partner.invite_code, 0)),
        language_code="en",
    )
    await channel.send("u1", Text("1203"))
    await channel.send("u1", Text("13912345678"))
    async with db.uow() as uow:
        from core.people.units import active_partner, unit_by_code

        other = await active_partner(uow, (await unit_by_code(uow, "yangguang")).id)
    await channel.send("u1", Command("start", invite_link_payload(other.invite_code, 3)))
    customer = await stored(db, "u1")
    assert customer.unit_id == first.unit.id
    assert customer.referred_by_partner_id == first.partner.id
    assert (
        "You're already with Jinxiu Garden, and 王阿姨 looks after" in channel.chat("u1").last.text
    )
    assert "What would you like to do?" in channel.chat("u1").last.text


# --- by hand -----------------------------------------------------------------------------


async def test_plain_onboarding_from_unit_to_a_welcome_from_the_partner(db):
    await make_unit_with_partner(db)
    tall = await make_tall_unit(db)
    channel = MemoryChannel(db)
    chat = channel.chat("u1")

    await channel.send("u1", Command("start"))  # a Chinese phone: units in pinyin order
    assert labels(chat.last) == ["锦绣花园 · 浦东", "阳光小区 · 徐汇"]
    await channel.press("u1", "阳光小区")
    assert labels(chat.last)[:8] == list(TWELVE[:8])
    await channel.press("u1", "▶")
    assert labels(chat.last)[:4] == list(TWELVE[8:])
    await channel.press("u1", "10栋")
    await channel.send("u1", Text("1203"))
    assert chat.last.ask_contact
    await channel.send("u1", Contact("+86 139 1234 5678", own=True))
    await channel.press("u1", "English")
    assert "coupons that suit your family" in chat.last.text
    assert "only because you agree" in chat.last.text
    await channel.press("u1", "Older people")
    assert "✅ Older people at home" in labels(chat.last)
    await channel.press("u1", "Save, I agree")

    welcome = chat.last.text
    assert "Hello, I'm 李师傅, your Linli partner for Sunshine Estate" in welcome
    assert "deals zone every day" in welcome
    assert "carried to your door" in welcome
    assert "below the supermarket" in welcome
    start, end = EN.time(dt.time(18, 30)), EN.time(dt.time(20, 30))
    assert f"Order before {EN.time(dt.time(14, 30))} and it arrives tonight, {start}–{end}" in (
        welcome
    )
    assert any("Cart" in label for label in labels(chat.last))

    customer = await stored(db, "u1")
    assert customer.unit_id == tall.id and customer.referred_by_partner_id is None
    assert (await building_label(db, customer.building_id), customer.room) == ("10栋", "1203")
    assert (customer.phone, customer.locale) == ("13912345678", "en")
    assert customer.has_elderly and not customer.has_children
    assert customer.profile_consent_at is not None


async def test_skipping_the_household_profile_stores_nothing(db):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Text("hello"), language_code="en")
    await channel.press("u1", "Jinxiu Garden")
    await channel.press("u1", "3栋")
    await channel.send("u1", Text("2-301"))
    await channel.send("u1", Text("139 0000 1111"))
    await channel.press("u1", "English")
    await channel.press("u1", "Children")
    await channel.press("u1", "Skip")
    customer = await stored(db, "u1")
    assert customer.profile_consent_at is None and not customer.has_children
    assert "Hello, I'm 王阿姨" in channel.chat("u1").last.text


async def test_units_are_listed_alphabetically_in_english(db):
    await make_unit_with_partner(db)
    await make_tall_unit(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("start"), language_code="en")
    assert labels(channel.chat("u1").last) == ["Jinxiu Garden · 浦东", "Sunshine Estate · 徐汇"]


async def test_a_typed_building_label_is_understood(db):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("start"), language_code="en")
    await channel.press("u1", "Jinxiu Garden")
    await channel.send("u1", Text(" 2栋 "))
    assert "2栋: which room" in channel.chat("u1").last.text


# --- bad input ---------------------------------------------------------------------------


async def reach_room_step(db, channel: MemoryChannel) -> None:
    """A customer who has just picked building 1栋."""
    setup = await make_unit_with_partner(db)
    await channel.send(
        "u1",
        Command("start", invite_link_payload(setup.partner.invite_code, 0)),
        language_code="en",
    )


@pytest.mark.parametrize("typed", ["栋", "x" * 10_000, "🏠🏠", "'; DROP TABLE customers; --"])
async def test_a_bad_room_gets_a_hint_and_the_same_question(db, typed):
    channel = MemoryChannel(db)
    await reach_room_step(db, channel)
    await channel.send("u1", Text(typed))
    last = channel.chat("u1").last.text
    assert "doesn't look like a room number" in last and "1栋: which room" in last
    assert (await stored(db, "u1")).room is None
    await channel.send("u1", Text("1203"))
    assert (await stored(db, "u1")).room == "1203"


@pytest.mark.parametrize("typed", ["12345", "x" * 10_000, "📞", "23912345678"])
async def test_a_bad_phone_gets_a_hint_and_the_same_question(db, typed):
    channel = MemoryChannel(db)
    await reach_room_step(db, channel)
    await channel.send("u1", Text("1203"))
    await channel.send("u1", Text(typed))
    chat = channel.chat("u1")
    assert "doesn't look like a mobile number" in chat.last.text
    assert chat.last.ask_contact == "📱 Share my phone number"
    await channel.send("u1", Text("+86 139-1234-5678"))
    assert (await stored(db, "u1")).phone == "13912345678"


async def test_someone_elses_contact_is_refused_politely(db):
    channel = MemoryChannel(db)
    await reach_room_step(db, channel)
    await channel.send("u1", Text("1203"))
    await channel.send("u1", Contact("13800000000", own=False))
    chat = channel.chat("u1")
    assert "someone else's contact" in chat.last.text and chat.last.ask_contact
    assert (await stored(db, "u1")).phone is None


@pytest.mark.parametrize(
    "odd",
    [
        Unsupported("sticker"),
        Text("x" * 10_000),
        Text("🙂🙂🙂"),
        Photo("photo-1"),
        Location("31.2", "121.5"),
        Contact("13912345678"),
    ],
)
async def test_every_step_answers_unexpected_input_by_asking_again(db, odd):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    chat = channel.chat("u1")
    await channel.send("u1", Command("start"), language_code="en")
    await channel.send("u1", odd)
    assert "Which neighbourhood" in chat.last.text
    await channel.press("u1", "Jinxiu Garden")
    await channel.send("u1", odd)
    assert "Which building" in chat.last.text
    await channel.press("u1", "1栋")
    if not isinstance(odd, Contact):  # at the room step a contact is just not a room
        await channel.send("u1", odd)
        assert "which room" in chat.last.text
    await channel.send("u1", Contact("13912345678") if isinstance(odd, Contact) else Text("1203"))
    await channel.send("u1", Text("1203"))
    if isinstance(odd, Contact):
        assert (await stored(db, "u1")).room == "1203"
    else:
        await channel.send("u1", odd)
        assert chat.last.ask_contact
        await channel.send("u1", Text("13912345678"))
    await channel.send("u1", odd)
    assert "Which language" in chat.last.text
    await channel.press("u1", "English")
    await channel.send("u1", odd)
    assert "coupons that suit your family" in chat.last.text
    await channel.press("u1", "Skip")
    assert "your Linli partner" in chat.last.text


@pytest.mark.parametrize(
    "garbage", ["../../etc", "x" * 200, "🍎🍎", "i", "ib3", "a", "aTOKEN", "iNOTACODE00b1"]
)
async def test_a_garbled_link_falls_back_to_choosing_the_neighbourhood(db, garbage):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("start", garbage), language_code="en")
    assert "Which neighbourhood do you live in?" in channel.chat("u1").last.text
    assert (await stored(db, "u1")).unit_id is None


async def test_no_open_neighbourhood_gets_an_honest_answer(db):
    channel = MemoryChannel(db)
    await channel.send("u1", Command("start"), language_code="en")
    assert "doesn't deliver to any neighbourhood yet" in channel.chat("u1").last.text


# --- coming back -------------------------------------------------------------------------


async def test_start_again_when_complete_says_welcome_back_with_the_menu(db):
    channel = MemoryChannel(db)
    await reach_room_step(db, channel)
    await channel.send("u1", Text("1203"))
    await channel.send("u1", Text("13912345678"))
    await channel.send("u1", Command("start"))
    last = channel.chat("u1").last
    assert last.text.startswith("Welcome back!") and "What would you like to do?" in last.text


async def test_start_again_halfway_picks_up_where_the_customer_left(db):
    channel = MemoryChannel(db)
    await reach_room_step(db, channel)
    await channel.send("u1", Text("1203"))
    await channel.send("u1", Command("start"))
    assert channel.chat("u1").last.ask_contact


async def test_onboarding_survives_a_restart_because_the_chat_state_is_in_the_database(db):
    await make_unit_with_partner(db)
    before = MemoryChannel(db)
    await before.send("u1", Command("start"), language_code="en")
    await before.press("u1", "Jinxiu Garden")
    await before.press("u1", "2栋")

    after = MemoryChannel(db)  # a new process: nothing in memory; Telegram's update ids go on
    await after.send("u1", Text("0808"), update_id="1001")
    assert after.chat("u1").last.ask_contact
    await after.send("u1", Text("13912345678"), update_id="1002")
    assert "Which language" in after.chat("u1").last.text
    customer = await stored(db, "u1")
    assert (await building_label(db, customer.building_id), customer.room) == ("2栋", "0808")
