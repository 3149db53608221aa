"""The partner's Invite screen: link and QR code, leaflet, letter, assisted link at the door."""

from __future__ import annotations

import io

import pypdf
import zxingcpp
from PIL import Image

from bot.flows.events import Command, Photo, Text
from bot.flows.partner.invite_payloads import InviteAssist, InviteEditLetter, InviteLeaflet
from bot.handlers.memory import MemoryChannel
from core.models import Customer, Partner
from core.people.invites import invite_link_payload
from core.people.invites_print.letter import MAX_LETTER
from core.people.invites_print.links import invite_link, web_start_link
from core.people.units import add_partner
from tests.factories import make_unit_with_partner
from tests.flows.memory_shoppers import memory_shopper, press_payload, texts


def decoded(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def at_invite(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Invite neighbours")
    return setup, channel, partner


async def letter_of(db, partner_id: int) -> str | None:
    async with db.uow() as uow:
        return (await uow.session.get(Partner, partner_id)).letter_zh


async def test_the_invite_screen_shows_the_link_and_sends_a_qr_code_that_opens_it(db):
    setup, channel, partner = await at_invite(db)

    # By default the web chat: any phone's browser opens it, no app needed.
    payload = invite_link_payload(setup.partner.invite_code)
    link = f"{db.settings.web_address}/c/{payload}"
    assert link == web_start_link(db.settings.web_address, payload)
    messages = channel.chat(partner).messages
    assert link in messages[-2].text
    assert messages[-1].image is not None and decoded(messages[-1].image) == [link]


async def test_with_the_telegram_invite_channel_the_invite_is_a_t_me_link(db):
    db.settings = db.settings.model_copy(update={"invite_channel": "telegram"})
    setup, channel, partner = await at_invite(db)

    link = invite_link(db.settings.bot_username, setup.partner.invite_code)
    assert link.startswith("https://t.me/")
    messages = channel.chat(partner).messages
    assert link in messages[-2].text
    assert decoded(messages[-1].image) == [link]
    await channel.press(partner, "Teach a neighbour")
    [assist] = decoded(channel.chat(partner).last.image)
    assert assist.startswith(f"https://t.me/{db.settings.bot_username}?start=a")


async def test_the_leaflet_button_sends_a_pdf_with_the_partners_letter(db):
    _setup, channel, partner = await at_invite(db)
    await channel.press(partner, "Edit my letter")
    await channel.send(partner, Text("三栋王阿姨，米面油送上楼！"), language_code="en")

    await channel.press(partner, "Leaflet to print")

    document = channel.chat(partner).last.document
    assert document is not None and document.filename.endswith(".pdf")
    pages = pypdf.PdfReader(io.BytesIO(document.content)).pages
    assert "三栋王阿姨，米面油送上楼！" in pages[0].extract_text().replace("\n", "")


async def test_a_new_letter_is_saved_and_shown_on_the_invite_screen(db):
    setup, channel, partner = await at_invite(db)

    await channel.press(partner, "Edit my letter")
    assert f"at most {MAX_LETTER} characters" in texts(channel, partner)
    await channel.send(partner, Text("  亲爱的邻居，欢迎下单！ "), language_code="en")

    assert await letter_of(db, setup.partner.id) == "亲爱的邻居，欢迎下单！"
    screen = channel.chat(partner).messages[-2].text  # a new screen, then its QR code
    assert "Your letter is saved" in screen and "亲爱的邻居，欢迎下单！" in screen


async def test_a_too_long_letter_is_refused_with_its_length_and_can_be_sent_again(db):
    setup, channel, partner = await at_invite(db)
    await channel.press(partner, "Edit my letter")

    await channel.send(partner, Text("邻" * (MAX_LETTER + 1)), language_code="en")

    assert f"{MAX_LETTER + 1} characters" in channel.chat(partner).last.text
    assert await letter_of(db, setup.partner.id) is None
    await channel.send(partner, Text("短一点的信。"), language_code="en")
    assert await letter_of(db, setup.partner.id) == "短一点的信。"


async def test_an_empty_letter_or_a_photo_is_refused_kindly(db):
    setup, channel, partner = await at_invite(db)
    await channel.press(partner, "Edit my letter")

    await channel.send(partner, Text("   "), language_code="en")
    assert "The letter is empty" in channel.chat(partner).last.text
    await channel.send(partner, Photo(file_ref="pic"), language_code="en")
    assert "as a text message" in channel.chat(partner).last.text
    assert await letter_of(db, setup.partner.id) is None


async def test_keep_my_letter_goes_back_to_the_invite_screen_unchanged(db):
    setup, channel, partner = await at_invite(db)
    await channel.press(partner, "Edit my letter")

    await channel.press(partner, "Keep my letter")
    await channel.send(partner, Text("这不是信"), language_code="en")

    assert await letter_of(db, setup.partner.id) is None


async def test_the_assisted_link_shows_its_shanghai_expiry_and_its_qr_binds_the_neighbour(db):
    setup, channel, partner = await at_invite(db)

    await channel.press(partner, "Teach a neighbour")

    shown = texts(channel, partner)
    assert "It works once, until 10:30" in shown  # 30 minutes from 10:00 in Shanghai
    [link] = decoded(channel.chat(partner).last.image)
    assert link.startswith(f"{db.settings.web_address}/c/a") and link in shown  # the web form
    payload = link.split("/c/", 1)[1]
    await channel.send("granny", Command("start", payload), language_code="en")
    async with db.uow() as uow:
        from sqlalchemy import select

        from core.models import ChannelIdentity

        customer_id = await uow.session.scalar(
            select(ChannelIdentity.customer_id).where(ChannelIdentity.external_id == "granny")
        )
        customer = await uow.session.get(Customer, customer_id)
        assert customer.unit_id == setup.unit.id and customer.guided


async def test_a_customer_cannot_reach_any_invite_button(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    for item in (InviteLeaflet(), InviteEditLetter(), InviteAssist()):
        await press_payload(channel, "alice", item)
        assert channel.chat("alice").toasts[-1].startswith("This button has expired")
    assert all(message.document is None for message in channel.chat("alice").messages)
    assert all(message.image is None for message in channel.chat("alice").messages)


async def test_a_partner_retired_while_writing_the_letter_cannot_save_it(db):
    setup, channel, partner = await at_invite(db)
    await channel.press(partner, "Edit my letter")
    async with db.uow() as uow:
        await add_partner(uow, unit_code="jinxiu", name="李师傅", telegram_id=990002, replace=True)
        await uow.commit()

    await channel.send(partner, Text("我的新信"), language_code="en")

    assert channel.chat(partner).toasts[-1].startswith("This button has expired")
    assert await letter_of(db, setup.partner.id) is None
