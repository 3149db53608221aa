"""Simple (guided) mode in the browser: big keys only, and a partner who answers on the web."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.models import Order
from tests.web.test_webchat_journey import jinxiu_partner, onboard
from tests.web.test_webchat_security import sign_in_link
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for


async def test_a_customer_in_simple_mode_orders_with_the_big_keys_alone(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("Settings")
        await page.press("simple mode on")
        assert "choose a kind of goods" in page.last_text
        assert ["📞 Call my partner for help"] in page.keys

        await page.tap_key("Drinks")
        await page.tap_key("Pepsi 500ml")
        assert "Total so far: ¥6.80" in page.last_text
        await page.tap_key("Add 1 more")
        await page.tap_key("That's all")
        assert "Shall I place this order?" in page.last_text
        await page.tap_key("Yes, order it")
        placed = re.search(r"order (\S+) is placed", page.last_text)
        assert placed is not None

    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order).where(Order.order_no == placed.group(1)))
    assert order.total_fen == 2 * 380 + 300


async def test_a_help_call_reaches_the_partner_on_the_web_and_their_reply_comes_back(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    path = await sign_in_link(db)
    async with (
        serving(db) as server,
        browser(server) as customer_client,
        browser(server) as partner_client,
    ):
        helper = Page(partner_client)
        assert await helper.open(path) == 200
        await helper.connect()

        page = Page(customer_client)
        await onboard(page, partner, room="1702")
        await page.press("Settings")
        await page.press("simple mode on")
        await page.tap_key("Call my partner")

        await wait_for(helper, lambda p: "1702" in p.last_text)
        call = helper.shown[helper.order[-1]]
        assert call.body.get("answerable")  # the page offers "Reply" under it
        await helper.send({"type": "text", "text": "马上到，请稍等", "reply_to": call.seq})
        assert "✅" in helper.last_text

        await wait_for(page, lambda p: "马上到，请稍等" in p.last_text)


async def test_a_partner_on_the_web_gets_the_invite_qr_inline_and_the_leaflet_as_a_download(db):
    await demo_city(db)
    await jinxiu_partner(db)
    path = await sign_in_link(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        assert await page.open(path) == 200
        await page.connect()
        await page.press("Invite neighbours")
        qr = page.shown[page.order[-1]].body
        assert qr["image"].startswith("data:image/png;base64,")

        await page.press("Leaflet to print")
        leaflet = page.shown[page.order[-1]]
        assert leaflet.kind == "document"
        assert leaflet.body["filename"].endswith(".pdf")
        assert leaflet.body["url"].startswith("data:application/pdf;base64,JVBER")  # %PDF
