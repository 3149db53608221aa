"""A web customer sends their partner a photo through "My partner", as on Telegram."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from bot.handlers.webchat_telegram import telegram_forwarder
from core.models import WebChatImage
from tests.telegram.fake_bot_api import recorder, telegram_app
from tests.web.test_webchat_journey import PARTNER_TELEGRAM_ID, jinxiu_partner, onboard
from tests.web.test_webchat_security import sign_in_link
from tests.web.test_webchat_telegram_handover import TelegramSide
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import TELEGRAM_FORWARD, WEBCHAT
from web.context import WebContext


def phone_photo(width: int = 2400, height: int = 1200) -> bytes:
    """A big JPEG carrying the camera's metadata, as a phone takes it."""
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def images_kept(db) -> int:
    """How many photos the web chat keeps."""
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(WebChatImage))


async def test_the_partner_on_the_web_sees_the_photo_labelled_and_only_the_two_of_them_can_open_it(
    db,
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    link = await sign_in_link(db)
    async with (
        serving(db) as server,
        browser(server) as customer_browser,
        browser(server) as partner_browser,
        browser(server) as stranger_browser,
    ):
        customer = Page(customer_browser)
        await onboard(customer, partner, room="1501")
        helper = Page(partner_browser)
        assert await helper.open(link) == 200
        await helper.connect()

        await customer.press("My partner")
        status, answer = await customer.send_photo(phone_photo(), "The box arrived torn")
        assert (status, answer) == (200, {"ok": True})
        assert "Sent to your partner" in customer.last_text
        mine = [s for s in customer.shown.values() if s.kind == "me"][-1]
        assert mine.text == "The box arrived torn" and mine.body["photo"].startswith("/chat/image/")

        await wait_for(helper, lambda p: "The box arrived torn" in p.last_text)
        relayed = helper.shown[helper.order[-1]]
        assert "1501" in relayed.text and relayed.body["photo"] == mine.body["photo"]

        served = await partner_browser.get(relayed.body["photo"])
        assert served.status == 200 and served.content_type == "image/jpeg"
        picture = await served.read()
        assert b"SecretPhoneMaker" not in picture  # the camera's metadata is gone
        assert Image.open(io.BytesIO(picture)).size == (1600, 800)
        assert (await customer_browser.get(relayed.body["photo"])).status == 200

        await Page(stranger_browser).open("/")
        assert (await stranger_browser.get(relayed.body["photo"])).status == 404


async def test_the_partner_on_telegram_gets_the_photo_uploaded_with_the_caption(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with telegram_app(db) as app:
        ctx = WebContext(db)
        ctx.extras[TELEGRAM_FORWARD] = telegram_forwarder(app.bot, db)
        async with serving(db, ctx) as server, browser(server) as client:
            page = Page(client)
            await onboard(page, partner, room="1501")
            await page.press("My partner")
            assert (await page.send_photo(phone_photo(), "Leave it at the door"))[0] == 200

    (sent,) = recorder(app).to(PARTNER_TELEGRAM_ID, "sendPhoto")
    assert "1501" in sent.params["caption"] and "Leave it at the door" in sent.params["caption"]
    upload = sent.params["upload:photo"]
    assert Image.open(io.BytesIO(upload)).format == "JPEG"


async def test_a_photo_sent_twice_with_the_same_id_reaches_the_partner_once(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with telegram_app(db) as app:
        ctx = WebContext(db)
        ctx.extras[TELEGRAM_FORWARD] = telegram_forwarder(app.bot, db)
        async with serving(db, ctx) as server, browser(server) as client:
            page = Page(client)
            await onboard(page, partner)
            await page.press("My partner")
            for _attempt in range(2):  # the page resends when the answer got lost
                answer = await page.send_photo(phone_photo(), "Once", client_id="photo-0001")
                assert answer == (200, {"ok": True})

    assert len(recorder(app).to(PARTNER_TELEGRAM_ID, "sendPhoto")) == 1
    assert await images_kept(db) == 1


async def test_a_text_file_renamed_jpg_is_refused_kindly_and_nothing_is_kept(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.press("My partner")
        shown_before = page.last_seq
        status, answer = await page.send_photo(b"my shopping list\n" * 20, filename="list.jpg")
        assert status == 400 and "not a photo" in answer["error"]
        assert page.last_seq == shown_before  # nothing was said to anyone

        status, answer = await page.send_photo(b"", filename="empty.jpg")
        assert status == 400 and "empty" in answer["error"]
        status, answer = await page.send_photo(b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024))
        assert status == 400 and "too large" in answer["error"]
    assert await images_kept(db) == 0


async def test_a_chinese_browser_is_told_in_chinese(db):
    await demo_city(db)
    async with serving(db) as server, browser(server, language="zh-CN") as client:
        page = Page(client)
        await page.open("/")
        status, answer = await page.send_photo(b"not a picture", filename="x.jpg")
    assert status == 400 and "照片" in answer["error"]


async def test_an_upload_from_another_site_or_without_a_chat_cookie_is_refused(db):
    await demo_city(db)
    async with serving(db) as server, browser(server) as client:
        assert (await Page(client).send_photo(phone_photo()))[0] == 401  # never opened the page
        await Page(client).open("/")
        response = await client.post(
            "/chat/photo", data={"id": "abcdefgh"}, headers={"Origin": "http://evil.example"}
        )
        assert response.status == 403
    assert await images_kept(db) == 0


async def test_a_photo_written_while_telegram_was_down_is_handed_over_as_the_same_photo(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    telegram = TelegramSide()
    telegram.down = True
    ctx = WebContext(db, extras={TELEGRAM_FORWARD: telegram.forward})
    async with serving(db, ctx) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner, room="1501")
        await page.press("My partner")
        assert (await page.send_photo(phone_photo(), "Later is fine"))[0] == 200

        telegram.down = False
        assert await server.app[WEBCHAT].hand_over_to_telegram() == 1

    (photo,) = telegram.sent
    assert photo.photo_ref.startswith("web-image:") and photo.text.endswith("Later is fine")
    assert photo.relay_customer_id is not None
