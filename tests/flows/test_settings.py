"""Settings: language, simple mode, message opt-outs, address, phone and household profile."""

from __future__ import annotations

from bot.flows.events import Command, Contact, Text
from bot.handlers.memory import MemoryChannel
from core.models import Building, Customer
from core.people.customers import (
    bind_to_unit,
    customer_for_identity,
    opt_outs,
    set_address,
    set_household_profile,
    set_phone,
)
from tests.factories import UnitSetup, make_unit_with_partner


async def make_customer(
    db, setup: UnitSetup, user: str = "u1", *, locale: str = "en", household: bool = False
) -> None:
    """A memory-channel customer who finished onboarding in 1栋 1201."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", user, locale=locale)
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[0], room="1201")
        await set_phone(uow, customer, "13900000000")
        if household:
            await set_household_profile(uow, customer, consent=True, children=True)
        await uow.commit()


async def stored(db, user: str = "u1") -> Customer:
    """The customer as saved."""
    async with db.uow() as uow:
        return await customer_for_identity(uow, "memory", user)


async def open_settings(db, *, locale: str = "en", household: bool = False) -> MemoryChannel:
    """A complete customer looking at their settings."""
    setup = await make_unit_with_partner(db)
    await make_customer(db, setup, locale=locale, household=household)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("menu"))
    await channel.press("u1", "⚙️")
    return channel


def labels(message) -> list[str]:
    """Every inline button label of a message."""
    return [button.label for row in message.buttons for button in row]


async def test_settings_show_what_is_set_now(db):
    channel = await open_settings(db)
    text = channel.chat("u1").last.text
    assert "Address: Jinxiu Garden 1栋 1201" in text
    assert "Phone: 13900000000" in text
    assert "Simple mode: off" in text
    assert "Household: Not shared" in text


async def test_settings_are_edited_in_place_not_sent_again(db):
    channel = await open_settings(db)
    count = len(channel.chat("u1").messages)
    await channel.press("u1", "Messages")
    await channel.press("u1", "Deals")
    await channel.press("u1", "Back to settings")
    assert len(channel.chat("u1").messages) == count


async def test_message_topics_toggle_between_yes_and_no(db):
    channel = await open_settings(db)
    chat = channel.chat("u1")
    await channel.press("u1", "Messages")
    assert "✅ Deals and offers" in labels(chat.last)
    await channel.press("u1", "Deals and offers")
    await channel.press("u1", "Neighbourhood events")
    assert "❌ Deals and offers" in labels(chat.last)
    assert "❌ Neighbourhood events" in labels(chat.last)
    customer = await stored(db)
    async with db.uow() as uow:
        assert await opt_outs(uow, customer.id) == {"deals", "events"}
    await channel.press("u1", "Deals and offers")
    assert "✅ Deals and offers" in labels(chat.last)
    async with db.uow() as uow:
        assert await opt_outs(uow, customer.id) == {"events"}


async def test_switching_language_makes_the_next_message_english(db):
    channel = await open_settings(db, locale="zh_CN")
    chat = channel.chat("u1")
    assert "锦绣花园" in chat.last.text  # the unit's Chinese name
    await channel.press("u1", "🌐")
    await channel.press("u1", "English")
    assert "Address: Jinxiu Garden 1栋 1201" in chat.last.text
    assert (await stored(db)).locale == "en"
    await channel.send("u1", Command("menu"))
    assert "What would you like to do?" in chat.last.text


async def test_turning_on_simple_mode_starts_the_guided_order_with_big_buttons(db):
    channel = await open_settings(db)
    await channel.press("u1", "Turn simple mode on")
    assert (await stored(db)).guided
    last = channel.chat("u1").last
    assert "Simple mode is on" in last.text and last.keyboard


async def test_simple_mode_can_be_turned_off_again(db):
    channel = await open_settings(db)
    await channel.press("u1", "Turn simple mode on")
    await channel.send("u1", Command("menu"))
    await channel.press("u1", "⚙️")
    assert "Simple mode: on" in channel.chat("u1").last.text
    await channel.press("u1", "Turn simple mode off")
    assert not (await stored(db)).guided
    assert "Simple mode: off" in channel.chat("u1").messages[-2].text
    assert "Simple mode is off." in channel.chat("u1").last.text


async def test_changing_the_address_returns_to_settings(db):
    channel = await open_settings(db)
    await channel.press("u1", "Change address")
    await channel.press("u1", "3栋")
    await channel.send("u1", Text("oops room"))
    assert "doesn't look like a room number" in channel.chat("u1").last.text
    await channel.send("u1", Text("502"))
    text = channel.chat("u1").last.text
    assert "Your address is saved." in text and "Address: Jinxiu Garden 3栋 502" in text
    customer = await stored(db)
    async with db.uow() as uow:
        building = await uow.session.get(Building, customer.building_id)
    assert (building.label, customer.room) == ("3栋", "502")


async def test_leaving_the_address_change_keeps_the_old_address(db):
    channel = await open_settings(db)
    await channel.press("u1", "Change address")
    await channel.press("u1", "Back to settings")
    await channel.send("u1", Text("777"))  # no longer waiting for a room
    assert (await stored(db)).room == "1201"


async def test_changing_the_phone_by_sharing_the_contact(db):
    channel = await open_settings(db)
    await channel.press("u1", "Change phone")
    chat = channel.chat("u1")
    assert chat.last.ask_contact and chat.last.keyboard == (("◀ Back to settings",),)
    await channel.send("u1", Contact("13800000000", own=False))
    assert "someone else's contact" in chat.last.text
    await channel.send("u1", Contact("+8613711112222"))
    assert (await stored(db)).phone == "13711112222"
    assert "Phone: 13711112222" in chat.last.text


async def test_backing_out_of_a_phone_change_keeps_the_number(db):
    channel = await open_settings(db)
    await channel.press("u1", "Change phone")
    await channel.send("u1", Text("◀ Back to settings"))
    assert (await stored(db)).phone == "13900000000"
    assert "Phone: 13900000000" in channel.chat("u1").last.text


async def test_household_profile_can_be_changed_and_consent_withdrawn(db):
    channel = await open_settings(db, household=True)
    chat = channel.chat("u1")
    assert "Household: Children at home" in chat.last.text
    await channel.press("u1", "👪 Household")
    assert "✅ Children at home" in labels(chat.last)
    await channel.press("u1", "A baby on the way")
    await channel.press("u1", "Save, I agree")
    customer = await stored(db)
    assert customer.has_children and customer.has_pregnant
    await channel.press("u1", "👪 Household")
    await channel.press("u1", "Withdraw consent")
    customer = await stored(db)
    assert customer.profile_consent_at is None
    assert not (customer.has_children or customer.has_pregnant)
    assert "Household: Not shared" in chat.last.text


async def test_settings_survive_a_restart_in_the_middle_of_a_change(db):
    channel = await open_settings(db)
    await channel.press("u1", "Change address")
    await channel.press("u1", "2栋")
    restarted = MemoryChannel(db)
    await restarted.send("u1", Text("909"), update_id="1001")
    assert "Address: Jinxiu Garden 2栋 909" in restarted.chat("u1").last.text


async def test_a_customer_without_a_home_is_sent_to_onboarding_from_settings(db):
    await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    await channel.send("u1", Command("menu"), language_code="en")
    await channel.press("u1", "⚙️")
    assert "Which neighbourhood do you live in?" in channel.chat("u1").last.text
