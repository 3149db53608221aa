"""A customer orders in the web chat, end to end over the websocket, on the demo city."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.flows.events import Command
from bot.handlers.memory import MemoryChannel
from core.messaging import webchat_log
from core.models import Customer, Order, Partner, Unit
from core.people.invites import invite_link_payload
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for

PARTNER_TELEGRAM_ID = 90001


async def jinxiu_partner(db, telegram_id: int | None = PARTNER_TELEGRAM_ID) -> Partner:
    """The demo partner of 锦绣花园, registered with a Telegram account as HQ does."""
    async with db.uow() as uow:
        unit = await uow.session.scalar(select(Unit).where(Unit.code == "jinxiu"))
        partner = await uow.session.scalar(
            select(Partner).where(Partner.unit_id == unit.id, Partner.active.is_(True))
        )
        partner.telegram_id = telegram_id
        await uow.commit()
        return partner


async def onboard(page: Page, partner: Partner, room: str = "1201") -> None:
    """Scan the leaflet of building 1 and answer the welcome questions, in English."""
    assert await page.open(f"/c/{invite_link_payload(partner.invite_code, 1)}") == 200
    await page.connect()
    assert "invited you to Linli" in page.last_text
    await page.say(room)
    assert page.ask_contact  # the big "share my phone number" key
    await page.send({"type": "contact", "phone": "13900000000"})
    await page.press("English")
    hello = [frame for frame in page.frames if frame["type"] == "hello"][-1]
    assert hello["words"]["send"] == "Send" and hello["words"]["menu_orders"] == "My orders"
    await page.press("Skip")
    assert "What would you like to do?" in page.last_text


async def order_a_coke_with_coke01(page: Page) -> str:
    """Search, add the 330 ml Coke, apply COKE01, check out; the order number."""
    await page.press("Search")
    await page.say("kekou")
    await page.press("330ml")
    await page.press("+")
    await page.menu("cart")
    await page.press("promo code")
    await page.say("COKE01")
    assert "COKE01" in page.last_text and "−¥2.25" in page.last_text
    await page.press("Checkout")
    await page.press("Correct")
    await page.press("Confirm")
    placed = re.search(r"Order (\S+) placed!", page.last_text)
    assert placed is not None, page.last_text
    return placed.group(1)


async def test_a_leaflet_link_onboards_and_the_customer_orders_with_coke01_in_the_browser(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        order_no = await order_a_coke_with_coke01(page)

        await page.menu("orders")
        assert any(order_no in b["label"] for row in page.shown[page.last_seq].buttons for b in row)

    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order).where(Order.order_no == order_no))
        customer = await uow.session.get(Customer, order.customer_id)
    assert order.total_fen == 235 - 225 + 300
    assert customer.referred_by_partner_id == partner.id and customer.room == "1201"


async def test_the_page_speaks_chinese_by_default_and_english_for_an_english_browser(db):
    await demo_city(db)
    async with serving(db) as server:
        async with browser(server, language="zh-CN") as client:
            html = await (await client.get("/")).text()
            assert "发送" in html and 'id="composer"' in html and 'lang="zh-CN"' in html
            page = Page(client)
            await page.connect()
            assert page.frames[0]["words"]["menu_cart"] == "购物车"
        async with browser(server, language="en-GB,en;q=0.8") as client:
            html = await (await client.get("/")).text()
            assert ">Send<" in html and "Reconnecting" in html and 'lang="en"' in html


async def test_the_new_order_ping_reaches_the_partner_signed_in_on_the_web(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    telegram = MemoryChannel(db, channel="telegram")  # the partner's own Telegram chat
    await telegram.send(str(PARTNER_TELEGRAM_ID), Command("partner"), language_code="en")
    await telegram.press(str(PARTNER_TELEGRAM_ID), "Sign in on the web")
    link = re.search(r"http://\S+/p/(\S+)", telegram.chat(str(PARTNER_TELEGRAM_ID)).last.text)
    assert link is not None

    async with (
        serving(db) as server,
        browser(server) as customer_client,
        browser(server) as partner_client,
    ):
        partner_page = Page(partner_client)
        assert await partner_page.open(f"/p/{link.group(1)}") == 200
        await partner_page.connect()
        assert "partner of Jinxiu Garden" in partner_page.last_text  # the cockpit, in the page

        page = Page(customer_client)
        await onboard(page, partner)
        order_no = await order_a_coke_with_coke01(page)

        await wait_for(partner_page, lambda p: order_no in p.last_text)
        assert "2栋 1201" in partner_page.last_text
        assert order_no not in " ".join(page.texts()[:-1])  # the customer saw no ping

    waiting = await webchat_log.waiting_for_telegram(db)
    assert [chat for chat, m in waiting if order_no in m.body["text"]] == [str(PARTNER_TELEGRAM_ID)]
