"""The partner cockpit's home: partners land on it, customers can never reach it."""

from __future__ import annotations

from bot.flows.events import Command
from bot.flows.partner.home import PartnerScreen
from bot.handlers.memory import MemoryChannel
from core.people.units import add_partner
from tests.factories import make_unit_with_partner
from tests.flows.memory_shoppers import memory_shopper, press_payload


def labels(channel: MemoryChannel, user: str) -> list[str]:
    """The buttons of the newest message in ``user``'s chat."""
    return [button.label for row in channel.chat(user).last.buttons for button in row]


async def test_a_partner_sending_slash_partner_sees_the_cockpit_home_in_chinese(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await channel.send(partner, Command("partner"))

    home = channel.chat(partner).last
    assert "王阿姨" in home.text and "锦绣花园" in home.text
    assert any("顾客身份购物" in label for label in labels(channel, partner))


async def test_a_partner_starting_the_bot_without_a_link_lands_on_the_cockpit(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await channel.send(partner, Command("start"))
    await channel.send(partner, Command("menu"))

    assert all("王阿姨" in message.text for message in channel.chat(partner).messages)


async def test_a_partner_can_still_shop_as_a_customer_from_the_cockpit(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await channel.send(partner, Command("partner"), language_code="en")

    await channel.press(partner, "Shop as a customer")

    assert "What would you like to do?" in channel.chat(partner).last.text
    assert any("Deals zone" in label for label in labels(channel, partner))


async def test_a_customer_asking_for_the_cockpit_is_told_kindly_and_gets_the_menu(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await channel.send("alice", Command("partner"), language_code="en")

    screen = channel.chat("alice").last
    assert "for neighbourhood partners" in screen.text
    assert "What would you like to do?" in screen.text


async def test_a_customer_pressing_a_signed_cockpit_button_is_told_it_has_expired(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await press_payload(channel, "alice", PartnerScreen("home"))

    assert channel.chat("alice").toasts[-1].startswith("This button has expired")
    assert "王阿姨" not in channel.chat("alice").last.text


async def test_a_retired_partner_loses_the_cockpit_at_once(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    old = str(setup.partner.telegram_id)
    await channel.send(old, Command("partner"), language_code="en")
    async with db.uow() as uow:
        await add_partner(uow, unit_code="jinxiu", name="李师傅", telegram_id=990001, replace=True)
        await uow.commit()

    await press_payload(channel, old, PartnerScreen("home"))
    assert channel.chat(old).toasts[-1].startswith("This button has expired")
    await channel.send(old, Command("partner"), language_code="en")
    assert "for neighbourhood partners" in channel.chat(old).last.text
