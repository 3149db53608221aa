"""Each browser sees only its own chat; forged buttons, old links, no cookie: nowhere."""

from __future__ import annotations

import datetime as dt
import re

from aiohttp import WSMsgType
from sqlalchemy import func, select

from bot.flows.events import Command
from bot.handlers.memory import MemoryChannel
from core.models import CartLine, Order
from core.people.customers import customer_for_identity
from tests.web.test_webchat_journey import (
    PARTNER_TELEGRAM_ID,
    jinxiu_partner,
    onboard,
    order_a_coke_with_coke01,
)
from tests.web.webchat_support import Page, browser, demo_city, serving
from web.session import COOKIE

EXPIRED = "This button has expired. Here is the menu again."


async def sign_in_link(db) -> str:
    """The partner asks their Telegram chat for a web sign-in; the link's path."""
    telegram = MemoryChannel(db, channel="telegram")
    partner = str(PARTNER_TELEGRAM_ID)
    await telegram.send(partner, Command("partner"), language_code="en")
    await telegram.press(partner, "Sign in on the web")
    found = re.search(r"http://[^/\s]+(/p/\S+)", telegram.chat(partner).last.text)
    assert found is not None
    return found.group(1)


async def test_a_second_browser_sees_neither_the_first_ones_chat_nor_its_orders(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as alice, browser(server) as bob:
        alice_page = Page(alice)
        await onboard(alice_page, partner, room="1201")
        order_no = await order_a_coke_with_coke01(alice_page)

        bob_page = Page(bob)
        await onboard(bob_page, partner, room="808")
        await bob_page.connect(last=0)  # even asking for everything from the start
        await bob_page.menu("orders")

        bob_sees = "\n".join(bob_page.texts())
        assert order_no not in bob_sees and "1201" not in bob_sees and "COKE01" not in bob_sees
        assert "You haven't ordered anything yet" in bob_page.last_text


async def test_a_button_taken_from_another_chat_or_made_up_has_expired(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as alice, browser(server) as mallory:
        alice_page = Page(alice)
        await onboard(alice_page, partner)
        await alice_page.press("Search")
        await alice_page.say("kekou")
        await alice_page.press("330ml")
        seq, plus = alice_page.find_button("+")

        page = Page(mallory)
        await onboard(page, partner, room="909")
        await page.send({"type": "button", "data": plus, "ref": seq})
        assert page.toasts[-1] == EXPIRED
        await page.send({"type": "button", "data": "p1|forged-signature", "ref": 1})
        assert page.toasts[-1] == EXPIRED
        assert "What would you like to do?" in page.last_text

    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(CartLine)) == 0


async def test_a_websocket_without_a_chat_cookie_is_closed_and_a_forged_cookie_starts_afresh(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as stranger:
        ws = await stranger.ws_connect("/ws")
        frame = await ws.receive(timeout=5)
        assert frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == 4401

        stranger.cookie_jar.update_cookies({COOKIE: "forged-value"})
        page = Page(stranger)
        assert await page.open("/") == 200
        await page.connect()
        assert page.order and page.shown[page.order[0]].kind == "say"  # a fresh welcome


async def test_a_websocket_opened_by_another_site_is_refused(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as client:
        assert await Page(client).open("/") == 200
        refused = await client.get(
            "/ws",
            headers={
                "Origin": "http://evil.example",
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
        assert refused.status == 403
        own = await client.ws_connect("/ws", origin=str(server.make_url("/")).rstrip("/"))
        await own.send_json({"type": "resume", "last": 0})
        assert (await own.receive_json(timeout=5))["type"] == "hello"
        await own.close()


async def test_the_partner_sign_in_link_works_once(db):
    await demo_city(db)
    await jinxiu_partner(db)
    path = await sign_in_link(db)
    async with serving(db) as server, browser(server) as first, browser(server) as second:
        page = Page(first)
        assert await page.open(path) == 200
        await page.connect()
        assert "partner of Jinxiu Garden" in page.last_text
        assert 'class="partner"' in await (await first.get("/")).text()

        refused = await second.get(path)
        assert refused.status == 403
        assert "expired" in await refused.text()
        assert 'class="customer"' in await (await second.get("/")).text()


async def test_the_partner_sign_in_link_expires_after_fifteen_minutes(db, clock):
    await demo_city(db)
    await jinxiu_partner(db)
    path = await sign_in_link(db)
    clock.advance(dt.timedelta(minutes=16))
    async with serving(db) as server, browser(server) as late:
        assert (await late.get(path)).status == 403
        assert 'class="customer"' in await (await late.get("/")).text()


async def test_a_partner_who_signs_out_is_a_customer_again_in_that_browser(db):
    await demo_city(db)
    await jinxiu_partner(db)
    path = await sign_in_link(db)
    async with serving(db) as server, browser(server) as client:
        assert await Page(client).open(path) == 200
        assert (await client.post("/p/out")).status == 200
        assert 'class="customer"' in await (await client.get("/")).text()


async def test_a_web_customer_links_telegram_and_finds_the_same_orders_there(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        order_no = await order_a_coke_with_coke01(page)
        await page.press("Settings")
        await page.press("Link my Telegram")
        payload = re.search(r"/start (link-\S+)", page.last_text)
        assert payload is not None and "t.me/" in page.last_text

    telegram = MemoryChannel(db, channel="telegram")
    await telegram.send("555", Command("start", payload.group(1)), language_code="en")
    assert "now linked" in telegram.chat("555").last.text
    await telegram.press("555", "My orders")
    assert order_no in str(telegram.chat("555").last.buttons)

    await telegram.send("556", Command("start", payload.group(1)), language_code="en")
    assert "not valid any more" in telegram.chat("556").last.text
    async with db.uow() as uow:
        linked = await customer_for_identity(uow, "telegram", "555")
        orders = await uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.customer_id == linked.id)
        )
    assert orders == 1


async def test_the_same_message_id_from_two_browsers_is_two_messages(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as alice, browser(server) as bob:
        pages = [Page(alice), Page(bob)]
        for page in pages:
            assert await page.open("/") == 200
            await page.connect()
            await page.send({"type": "text", "text": "/help"}, client_id="same-id-0001")
        assert all("Linli brings supermarket groceries" in page.last_text for page in pages)
