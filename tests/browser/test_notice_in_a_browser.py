"""In real browsers: a partner signed in on the web sends an outage notice to 12栋, and
the page a web customer of 12栋 has open shows it as the sender writes it."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser

from core.messaging.outbox.sender import Sender
from core.people.invites import invite_link_payload
from tests.browser.conftest import PHONE
from tests.browser.serving import demo_city
from tests.browser.test_chat_in_a_browser import last_bot_text, onboard, press, say, settled
from tests.outbox_support import ScriptedTransport
from tests.web.test_webchat_journey import jinxiu_partner
from tests.web.test_webchat_security import sign_in_link
from web.app import create_app
from web.context import WebContext
from web.mounts import default_mounts

WATER = "12栋明天上午9点到12点停水，请提前储水。"


async def test_a_partner_sends_a_notice_to_building_12_and_the_web_customer_sees_it_live(
    db, browser: Browser, artifacts: Path
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    link = await sign_in_link(db)
    ctx = WebContext(db)
    server = TestServer(await create_app(ctx, default_mounts()), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        customer = await browser.new_page(viewport=PHONE, locale="en-US")
        await customer.goto(f"{base}/c/{invite_link_payload(partner.invite_code, 11)}")
        await customer.wait_for_selector("#status.online")
        await onboard(customer, "1203", "13900000012")
        assert "What would you like to do?" in await last_bot_text(customer)

        helper = await browser.new_page(viewport=PHONE, locale="en-US")
        await helper.goto(f"{base}{link}")
        await helper.wait_for_selector("#status.online")
        await press(helper, "Notices")
        await press(helper, "Outage notice")
        await say(helper, WATER)
        await press(helper, "Some buildings")
        await press(helper, "12栋")
        await press(helper, "Done (1 chosen)")
        await press(helper, "Now")
        preview = await last_bot_text(helper)
        assert "1 household: 1 on the web, 0 on Telegram" in preview
        await press(helper, "Confirm")
        assert "Scheduled" in await last_bot_text(helper)

        chat = ctx.extras["webchat"]
        await Sender(db, ScriptedTransport(), published=chat.publish_elsewhere).run_until_idle()
        notice = customer.locator(".bubble.bot", has_text=WATER)
        await notice.wait_for(timeout=5000)  # pushed to the open page, no reload
        assert "Outage notice" in await notice.inner_text()
        await customer.screenshot(path=str(artifacts / "chat-360-notice.png"))

        await press(customer, "Stop these messages")
        await settled(customer)
        assert "won't send you" in await last_bot_text(customer)
    finally:
        await server.close()
