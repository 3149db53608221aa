"""Messages from the web to someone on Telegram (a partner's ping) reach Telegram, once."""

from __future__ import annotations

from bot.flows.replies import Forward
from core.messaging import webchat_log
from tests.web.test_webchat_journey import (
    PARTNER_TELEGRAM_ID,
    jinxiu_partner,
    onboard,
    order_a_coke_with_coke01,
)
from tests.web.webchat_support import Page, browser, demo_city, serving
from web.chat.routes import TELEGRAM_FORWARD, WEBCHAT
from web.context import WebContext


class TelegramSide:
    """Stands in for the Telegram renderer's ``forward``: records, or fails when down."""

    def __init__(self) -> None:
        self.sent: list[Forward] = []
        self.down = False

    async def forward(self, reply: Forward) -> None:
        if self.down:
            raise ConnectionError("Telegram unreachable")
        self.sent.append(reply)


async def test_with_the_bot_running_the_ping_goes_to_telegram_at_once_and_waits_for_nothing(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    telegram = TelegramSide()
    ctx = WebContext(db, extras={TELEGRAM_FORWARD: telegram.forward})
    async with serving(db, ctx) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        order_no = await order_a_coke_with_coke01(page)

    (ping,) = [f for f in telegram.sent if order_no in f.text]
    assert ping.channel == "telegram" and ping.chat_id == str(PARTNER_TELEGRAM_ID)
    assert await webchat_log.waiting_for_telegram(db) == []


async def test_pings_written_while_telegram_was_down_are_handed_over_later_once(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    telegram = TelegramSide()
    telegram.down = True
    ctx = WebContext(db, extras={TELEGRAM_FORWARD: telegram.forward})
    async with serving(db, ctx) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("My partner")
        await page.say("Could you bring it upstairs?")
        await page.press("Back to menu")
        order_no = await order_a_coke_with_coke01(page)
        assert len(await webchat_log.waiting_for_telegram(db)) == 2

        telegram.down = False
        chat = server.app[WEBCHAT]
        assert await chat.hand_over_to_telegram() == 2
        assert await chat.hand_over_to_telegram() == 0

    question, ping = telegram.sent
    assert "upstairs" in question.text and question.relay_customer_id is not None
    assert order_no in ping.text and ping.relay_customer_id is None
    assert await webchat_log.waiting_for_telegram(db) == []
