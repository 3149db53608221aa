"""A process that runs only the Telegram bot (``linli bot``) still reaches web customers:
a message for a web chat joins its transcript, where the page finds it."""

from __future__ import annotations

from bot.flows.replies import Forward
from bot.handlers.telegram_render import Renderer
from core.messaging import webchat_log
from tests.telegram.fake_bot_api import recorder, telegram_app


async def test_order_news_for_a_web_customer_joins_the_transcript_when_no_web_chat_runs(db):
    news = "🚚 Out for delivery: your partner 王阿姨 is in building 12栋, 2 stops before you."
    async with telegram_app(db) as app:
        await Renderer(app.bot, db).forward(Forward("web", "web-cust-0000001", news))

    (message,) = await webchat_log.after(db, "web", "web-cust-0000001", 0)
    assert (message.kind, message.body["text"]) == ("say", news)
    assert recorder(app).methods() == ["getMe"]  # nothing was sent to Telegram


async def test_a_telegram_photo_for_a_web_chat_is_mentioned_not_lost(db):
    async with telegram_app(db) as app:
        forward = Forward("web", "web-cust-0000002", "Look at the crates", "AgACAgUAAx-file-id")
        await Renderer(app.bot, db).forward(forward)

    (message,) = await webchat_log.after(db, "web", "web-cust-0000002", 0)
    assert message.body["text"] == "Look at the crates\n📷"
