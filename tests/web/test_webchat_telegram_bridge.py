"""A web customer and a partner on Telegram, in one process: messages cross both ways."""

from __future__ import annotations

from bot.handlers.webchat_telegram import telegram_forwarder
from core.messaging import webchat_log
from tests.telegram.fake_bot_api import Person, recorder, reply_to, telegram_app
from tests.web.test_webchat_journey import (
    PARTNER_TELEGRAM_ID,
    jinxiu_partner,
    onboard,
    order_a_coke_with_coke01,
)
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import TELEGRAM_FORWARD, WEBCHAT
from web.context import WebContext

PARTNER = Person(PARTNER_TELEGRAM_ID, first_name="王秀英", language_code="zh-hans")


async def test_the_partner_on_telegram_gets_the_ping_and_answers_a_web_customer(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    elsewhere: dict = {}  # how the Telegram side reaches web chats, filled once the web runs
    async with telegram_app(db, elsewhere=elsewhere) as app:
        ctx = WebContext(db)
        ctx.extras[TELEGRAM_FORWARD] = telegram_forwarder(app.bot, db)
        async with serving(db, ctx) as server, browser(server) as client:
            elsewhere["web"] = server.app[WEBCHAT].forward

            page = Page(client)
            await onboard(page, partner, room="1501")
            order_no = await order_a_coke_with_coke01(page)
            pings = [c.text for c in recorder(app).to(PARTNER_TELEGRAM_ID, "sendMessage")]
            assert any(order_no in text and "1501" in text for text in pings)

            await page.press("My partner")
            await page.say("Please ring twice")
            question = recorder(app).to(PARTNER_TELEGRAM_ID, "sendMessage")[-1]
            assert "Please ring twice" in question.text
            answered = question.result["message_id"]
            await reply_to(app, PARTNER, answered, "好的，按两次门铃")

            await wait_for(page, lambda p: "好的，按两次门铃" in p.last_text)
    assert await webchat_log.waiting_for_telegram(db) == []
