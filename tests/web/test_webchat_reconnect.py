"""Reconnects lose nothing and double nothing; a resent page message is handled once."""

from __future__ import annotations

from sqlalchemy import select

from core.messaging import webchat_log
from core.models import CartLine, ChannelIdentity
from tests.web.test_webchat_journey import jinxiu_partner, onboard
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import WEBCHAT
from web.chat.socket import FRESH_PAGE


async def cart_quantities(db) -> list[int]:
    """Every cart line's quantity in the shop."""
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(CartLine.quantity)))


def same_cookie(server, first):
    """A second tab of the same browser: a new connection with the first tab's cookies."""
    tab = browser(server)
    tab.cookie_jar.update_cookies({c.key: c.value for c in first.cookie_jar})
    return tab


async def test_a_page_that_reconnects_gets_exactly_what_it_missed_in_order(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        before = page.last_seq
        shown_before = page.texts()
        await page.disconnect()

        async with same_cookie(server, client) as other_client:  # the other tab goes on
            other = Page(other_client)
            await other.connect(last=before)
            await other.menu("more")
            await other.press("Search")
            await other.say("kekou")
            await other.press("330ml")
            await other.press("+")
            missed = list(other.order)

        page.frames.clear()
        page.received.clear()
        await page.connect()  # says: I have everything up to `before`

        assert page.received == list(range(before + 1, page.last_seq + 1))  # each once, in order
        assert page.texts()[: len(shown_before)] == shown_before
        assert [s for s in page.order if s > before] == missed
        assert "In your cart: 1" in page.last_text  # the edit of the product card replayed too
        assert all(frame["replay"] for frame in page.frames if frame["type"] == "messages")


async def test_a_page_that_lost_some_messages_says_so_and_gets_them_without_doubles(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        everything = page.texts()
        await page.disconnect()

        again = Page(client)
        await again.connect(last=0)
        assert again.texts() == everything
        assert len(again.received) == len(set(again.received))


async def test_the_same_page_message_sent_twice_is_handled_once(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("Search")
        await page.say("kekou")
        await page.press("330ml")
        seq, plus = page.find_button("+")

        await page.send({"type": "button", "data": plus, "ref": seq}, client_id="tap-0001-plus")
        shown = page.last_seq
        await page.send({"type": "button", "data": plus, "ref": seq}, client_id="tap-0001-plus")

        assert page.last_seq == shown  # nothing new to show
        assert await cart_quantities(db) == [1]


async def test_a_message_whose_answer_was_lost_is_resent_after_a_reconnect_and_handled_once(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("Search")
        await page.say("kekou")
        await page.press("330ml")
        seq, plus = page.find_button("+")
        message = {"type": "button", "data": plus, "ref": seq, "id": "tap-0002-plus"}
        assert page.ws is not None
        await page.ws.send_json(message)  # the tunnel: the answer never arrives
        await page.disconnect()

        await page.connect()  # the page resends what was not acknowledged, with its id
        await page.send({k: v for k, v in message.items() if k != "id"}, client_id="tap-0002-plus")

        assert "In your cart: 1" in page.last_text
        assert await cart_quantities(db) == [1]
        assert page.texts().count("kekou") == 1


async def test_a_typed_message_resent_shows_once_on_the_page(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("Search")
        await page.send({"type": "text", "text": "kekou"}, client_id="typed-000001")
        await page.send({"type": "text", "text": "kekou"}, client_id="typed-000001")
        assert page.texts().count("kekou") == 1
    async with db.uow() as uow:
        identities = list(await uow.session.scalars(select(ChannelIdentity.channel)))
    assert identities == ["web"]


async def test_a_newly_opened_page_starts_with_the_newest_messages_of_a_long_chat(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        assert await page.open("/") == 200  # the welcome
        await page.connect()
        (welcome,) = page.order
        chat_id = next(iter(server.app[WEBCHAT].hub.listeners))[1]
        months = [("say", {"text": f"old news {n}", "buttons": []}) for n in range(FRESH_PAGE + 50)]
        await webchat_log.append(db, "web", chat_id, months)
        newest = welcome + len(months)
        await page.disconnect()

        fresh = Page(client)
        await fresh.connect(last=0)
        assert fresh.received == list(range(newest - FRESH_PAGE + 1, newest + 1))
        assert fresh.last_text == f"old news {FRESH_PAGE + 49}"


async def test_a_message_written_by_another_process_reaches_an_open_page(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        assert await page.open("/") == 200
        await page.connect()
        chat_id = next(iter(server.app[WEBCHAT].hub.listeners))[1]
        # another server process answering for the partner: written, not pushed here
        await webchat_log.append(db, "web", chat_id, [("say", {"text": "来自另一进程"})])
        await wait_for(page, lambda p: p.last_text == "来自另一进程")
