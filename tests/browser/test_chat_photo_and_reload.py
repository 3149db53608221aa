"""The web chat in a real browser: a photo to the partner with the photo button, and a
message typed while the connection was lost survives a reload and is answered once."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, WebSocketRoute

from core.people.invites import invite_link_payload
from tests.browser.conftest import PHONE
from tests.browser.serving import demo_city, serving
from tests.browser.test_chat_in_a_browser import last_bot_text, onboard, press, settled
from tests.web.test_webchat_journey import jinxiu_partner
from tests.web.test_webchat_photos import phone_photo
from tests.web.test_webchat_security import sign_in_link
from web.mounts import default_mounts


async def test_a_customer_sends_a_photo_with_the_button_and_the_partner_sees_it_on_the_web(
    db, clock, browser: Browser, artifacts: Path
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    link = await sign_in_link(db)
    async with serving(db, default_mounts()) as base:
        helper = await browser.new_page(viewport=PHONE, locale="en-US")
        await helper.goto(f"{base}{link}")
        await helper.wait_for_selector("#status.online")

        customer = await browser.new_page(viewport=PHONE, locale="en-US")
        await customer.goto(f"{base}/c/{invite_link_payload(partner.invite_code, 1)}")
        await customer.wait_for_selector("#status.online")
        await onboard(customer, "1501")
        await press(customer, "My partner")

        await customer.fill("#composer", "The box arrived torn")
        photo = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}
        await customer.set_input_files("#photo-file", files=[photo])
        await settled(customer)
        assert "Sent to your partner" in await last_bot_text(customer)
        mine = customer.locator(".row.me .bubble img.photo").last
        await mine.wait_for()
        assert await mine.evaluate("img => img.complete && img.naturalWidth") == 1600

        shown = helper.locator(".row.bot", has_text="The box arrived torn").last
        await shown.wait_for()
        assert "1501" in await shown.inner_text()
        picture = shown.locator("img.photo")
        await picture.wait_for()
        await helper.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await picture.element_handle()
        )
        await helper.screenshot(path=str(artifacts / "chat-360-partner-photo.png"))

        not_a_photo = {"name": "list.jpg", "mimeType": "image/jpeg", "buffer": b"eggs\nmilk\n"}
        await customer.set_input_files("#photo-file", files=[not_a_photo])
        await settled(customer)
        toast = customer.locator("#toast")
        await toast.wait_for()
        assert "not a photo" in await toast.inner_text()
        assert await customer.locator(".bubble.me.failed").count() == 1


async def test_a_message_typed_while_the_connection_was_lost_is_sent_after_a_reload_once(
    db, browser: Browser
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    lost = {"on": False}  # while on, what the page sends never reaches the server

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def upward(message: str | bytes) -> None:
            if not lost["on"]:
                server.send(message)

        ws.on_message(upward)

    async with serving(db, default_mounts()) as base:
        page = await browser.new_page(viewport=PHONE, locale="en-US")
        await page.route_web_socket("**/ws", relay)
        await page.goto(f"{base}/c/{invite_link_payload(partner.invite_code, 1)}")
        await page.wait_for_selector("#status.online")
        assert "invited you to Linli" in await last_bot_text(page)

        lost["on"] = True
        await page.fill("#composer", "1201")
        await page.click("#send")
        await page.wait_for_selector('body[data-pending="1"]', state="attached")
        kept = await page.evaluate("JSON.stringify(Object.entries(localStorage))")
        assert "1201" in kept

        lost["on"] = False
        await page.reload()
        await page.wait_for_selector("#keys button.contact")  # the answer to "1201": a phone
        await settled(page)
        await page.reload()  # nothing is sent a second time
        await page.wait_for_selector("#keys button.contact")
        await settled(page)

        assert await page.locator(".bubble.me", has_text="1201").count() == 1
        asked = page.locator(".bubble.bot", has_text="phone")
        assert await asked.count() == 1
        assert await page.evaluate("localStorage.length") == 0


async def test_a_message_kept_for_more_than_a_day_is_let_go_not_sent(db, browser: Browser):
    await demo_city(db)
    async with serving(db, default_mounts()) as base:
        page = await browser.new_page(viewport=PHONE, locale="en-US")
        await page.goto(f"{base}/")
        await page.wait_for_selector("#status.online")
        await page.evaluate(
            """() => localStorage.setItem("linli.pending." + document.body.dataset.chat,
                 JSON.stringify([{message: {type: "text", text: "too old", id: "0123456789abcdef"},
                                  echo: "too old", at: Date.now() - 2 * 86400 * 1000}]))"""
        )
        await page.reload()
        await page.wait_for_selector("#status.online")
        await settled(page)

        assert await page.locator(".bubble.me", has_text="too old").count() == 0
        assert await page.evaluate("localStorage.length") == 0
