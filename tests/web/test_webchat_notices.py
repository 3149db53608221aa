"""A partner's notice to building 12 reaches a web customer living there: the preview
counts them as a web household, their open page shows the copy as soon as the sender
writes it, and its "🔕 Stop these messages" button works on the web."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.flows.events import Command, Text
from bot.handlers.memory import MemoryChannel
from core.messaging.outbox.sender import Sender
from core.models import MessageOptOut, OutboxMessage
from core.people.invites import invite_link_payload
from tests.outbox_support import ScriptedTransport
from tests.web.test_webchat_journey import PARTNER_TELEGRAM_ID, jinxiu_partner
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import WEBCHAT

WATER = "Water is off in building 12 tomorrow 9:00–12:00."
BUILDING_12 = 11  # leaflets number buildings from 0 in walking order: 12栋


async def live_in_building_12(page: Page, partner) -> None:
    """Scan the leaflet of 12栋 and answer the welcome questions, in English."""
    assert await page.open(f"/c/{invite_link_payload(partner.invite_code, BUILDING_12)}") == 200
    await page.connect()
    await page.say("1203")
    await page.send({"type": "contact", "phone": "13900000012"})
    await page.press("English")
    await page.press("Skip")
    assert "What would you like to do?" in page.last_text


async def compose_for_building_12(partner_chat: MemoryChannel, who: str) -> str:
    """The partner writes an outage notice for 12栋, to go now; the preview's text."""
    await partner_chat.send(who, Command("partner"), language_code="en")
    await partner_chat.press(who, "Notices")
    await partner_chat.press(who, "Outage notice")
    await partner_chat.send(who, Text(WATER), language_code="en")
    await partner_chat.press(who, "Some buildings")
    await partner_chat.press(who, "12栋")
    await partner_chat.press(who, "Done (1 chosen)")
    await partner_chat.press(who, "Now")
    return partner_chat.chat(who).last.text


async def test_a_notice_to_building_12_reaches_the_web_customer_living_there_live(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    partner_chat = MemoryChannel(db, channel="telegram")
    who = str(PARTNER_TELEGRAM_ID)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await live_in_building_12(page, partner)

        preview = await compose_for_building_12(partner_chat, who)
        reach = re.search(r"(\d+) households?: (\d+) on the web, (\d+) on Telegram", preview)
        assert reach is not None, preview
        assert int(reach.group(2)) == 1  # the web household of 12栋 is counted
        await partner_chat.press(who, "Confirm")
        assert "✅ Scheduled" in partner_chat.chat(who).last.text

        chat = server.app[WEBCHAT]
        await Sender(db, ScriptedTransport(), published=chat.publish_elsewhere).run_until_idle()
        await wait_for(page, lambda p: WATER in p.last_text)
        assert "⚠️ Outage notice" in page.last_text

        await page.press("Stop these messages")
        assert "won't send you" in page.last_text
    async with db.uow() as uow:
        row = await uow.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "web"))
        stopped = await uow.session.scalar(
            select(MessageOptOut).where(MessageOptOut.customer_id == row.customer_id)
        )
    assert row.status == "sent"
    assert stopped is not None and stopped.topic == "notices"


async def test_a_notice_to_a_building_where_nobody_can_be_reached_says_so_before_sending(db):
    await demo_city(db)
    await jinxiu_partner(db)
    partner_chat = MemoryChannel(db, channel="telegram")
    who = str(PARTNER_TELEGRAM_ID)

    preview = await compose_for_building_12(partner_chat, who)

    assert "0 households: 0 on the web, 0 on Telegram" in preview  # the demo's 12栋 is empty
    assert "This would reach nobody" in preview
    labels = [b.label for row in partner_chat.chat(who).last.buttons for b in row]
    assert not any("Confirm" in label for label in labels)
    assert any("Change the audience" in label for label in labels)
