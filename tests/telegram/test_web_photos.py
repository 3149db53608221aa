"""A photo sent from the web chat reaches a Telegram chat as an upload of its bytes."""

from __future__ import annotations

from bot.flows.replies import Forward
from bot.handlers.telegram_render import Renderer
from core.messaging import webchat_images
from tests.telegram.fake_bot_api import recorder, telegram_app
from tests.web.test_webchat_photos import phone_photo


async def test_a_web_photo_is_uploaded_with_send_photo_and_its_caption(db):
    jpeg = webchat_images.reencode(phone_photo(800, 600))
    image_id = await webchat_images.store(db, "web", "w-alice", jpeg)
    async with telegram_app(db) as app:
        forward = Forward("telegram", "9000", "From 2栋 1201:\nLook", f"web-image:{image_id}")
        await Renderer(app.bot, db).forward(forward)

    (call,) = recorder(app).to(9000)
    assert call.method == "sendPhoto" and call.params["caption"] == "From 2栋 1201:\nLook"
    assert call.params["upload:photo"] == jpeg


async def test_a_web_photo_that_is_gone_leaves_the_text_to_go_alone(db):
    async with telegram_app(db) as app:
        forward = Forward("telegram", "9000", "From 2栋 1201:\nLook", "web-image:nothing-here")
        await Renderer(app.bot, db).forward(forward)

    (call,) = recorder(app).to(9000)
    assert call.method == "sendMessage" and call.text == "From 2栋 1201:\nLook"
