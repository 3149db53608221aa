"""A partner's notice to building 12 reaches its web customers by Web Push too: the one
who subscribed and closed the page gets exactly one encrypted push with the notice's
text (and the copy is in the transcript); the one whose page is open gets no push."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.handlers.memory import MemoryChannel
from core.messaging.outbox.sender import Sender
from core.models import PushSubscription
from core.people.invites import invite_link_payload
from tests.outbox.web_support import replayed, transcript_copies
from tests.outbox_support import ScriptedTransport
from tests.web.push_support import BrowserKeys, FakePushService
from tests.web.test_webchat_journey import PARTNER_TELEGRAM_ID, jinxiu_partner
from tests.web.test_webchat_notices import BUILDING_12, WATER, compose_for_building_12
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.push import PUSH
from web.chat.routes import WEBCHAT


async def lives_in_building_12(server, page: Page, partner, room: str, phone: str) -> str:
    """Scan 12栋's leaflet and answer the welcome questions, in English; the page's chat."""
    hub = server.app[WEBCHAT].hub
    before = set(hub.listeners)
    assert await page.open(f"/c/{invite_link_payload(partner.invite_code, BUILDING_12)}") == 200
    await page.connect()
    await page.say(room)
    await page.send({"type": "contact", "phone": phone})
    await page.press("English")
    await page.press("Skip")
    assert "What would you like to do?" in page.last_text
    (channel, chat_id), *others = set(hub.listeners) - before
    assert channel == "web" and not others
    return chat_id


async def subscribes(page: Page, service: FakePushService, name: str) -> BrowserKeys:
    """The page subscribes to pushes (as after tapping "🔔 Notify me")."""
    keys = BrowserKeys()
    answer = await page.client.post(
        "/push/subscribe", json=keys.subscription(service.endpoint(name))
    )
    assert answer.status == 200
    return keys


async def lease_released(db, chat_id: str) -> None:
    """Wait until the server has let the chat's page lease go (its last page closed)."""
    for _ in range(200):
        async with db.uow() as uow:
            leases = list(
                await uow.session.scalars(
                    select(PushSubscription.page_open_until).where(
                        PushSubscription.chat_id == chat_id
                    )
                )
            )
        if leases and all(lease is None for lease in leases):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the page's lease was not released")


async def pushed(service: FakePushService, timeout_s: float = 5.0) -> None:
    """Until the push service got something (the signal may come through PostgreSQL)."""
    for _ in range(int(timeout_s / 0.02)):
        if service.received:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no push arrived")


async def test_a_notice_to_building_12_is_pushed_to_the_web_customer_with_no_page_open(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    partner_chat = MemoryChannel(db, channel="telegram")
    who = str(PARTNER_TELEGRAM_ID)
    async with (
        FakePushService() as service,
        serving(db) as server,
        browser(server) as away_browser,
        browser(server) as here_browser,
    ):
        away, here = Page(away_browser), Page(here_browser)
        away_chat = await lives_in_building_12(server, away, partner, "1203", "13900000012")
        away_keys = await subscribes(away, service, "away-phone")
        here_chat = await lives_in_building_12(server, here, partner, "1204", "13900000013")
        await subscribes(here, service, "here-phone")
        await away.disconnect()  # closes the tab: nobody looks at that chat any more
        await lease_released(db, away_chat)

        await compose_for_building_12(partner_chat, who)
        await partner_chat.press(who, "Confirm")
        assert "✅ Scheduled" in partner_chat.chat(who).last.text
        chat = server.app[WEBCHAT]
        await Sender(db, ScriptedTransport(), published=chat.publish_elsewhere).run_until_idle()
        await wait_for(here, lambda p: WATER in p.last_text)  # the open page shows it
        await pushed(service)
        await server.app[PUSH].idle()
        await asyncio.sleep(0.2)  # nothing else on its way

        copies = await transcript_copies(db)
        assert sorted(copies) == sorted([away_chat, here_chat])
        assert [WATER in str(body) for body in copies[away_chat]] == [True]
        assert any(WATER in (m.body.get("text") or "") for m in await replayed(db, away_chat))
        assert [p.path for p in service.received] == ["/push/away-phone"]  # exactly one
        shown = away_keys.decrypt(service.received[0])
        assert WATER in shown["body"]
        assert shown["title"] == "邻里 Linli"
        assert service.received[0].headers["Authorization"].startswith("vapid t=")
        seq = int(shown["url"].removeprefix("/?at="))
        await away.connect()  # the tap opens the chat at the notice
        assert WATER in away.shown[seq].text
