"""The web chat in a real browser: a leaflet link to an order with COKE01, then the partner
signs in on the web and marks it delivered. Screenshots at 360 px wide."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Page
from sqlalchemy import select

from core.models import Order
from core.people.invites import invite_link_payload
from tests.browser.conftest import PHONE
from tests.browser.serving import demo_city, serving
from tests.web.test_webchat_journey import jinxiu_partner
from tests.web.test_webchat_security import sign_in_link
from web.mounts import default_mounts


async def settled(page: Page) -> None:
    """Wait until the server acknowledged everything the page sent."""
    await page.wait_for_selector('body[data-pending="0"]', state="attached")


async def press(page: Page, label: str) -> None:
    """Tap the first button labelled ``label`` of the newest bot bubble that has one."""
    button = page.locator(".buttons button", has_text=label)
    await page.locator(".row.bot").filter(has=button).last.locator(button).first.click()
    await settled(page)


async def say(page: Page, text: str) -> None:
    """Type into the composer and send."""
    await page.fill("#composer", text)
    await page.click("#send")
    await settled(page)


async def last_bot_text(page: Page) -> str:
    """What the newest bot bubble says."""
    return await page.locator(".bubble.bot").last.inner_text()


async def onboard(page: Page, room: str = "1201", phone: str = "13900000000") -> None:
    """Answer the welcome questions: the room, the phone typed, English, no name."""
    await say(page, room)
    await page.click("#keys button.contact")  # "share my phone": typed on the web
    await say(page, phone)
    await press(page, "English")
    await press(page, "Skip")


async def cola_in_cart(page: Page) -> None:
    """Search for a cola, put a 330ml can in the cart, open the cart."""
    await page.click("#menu-bar button[data-section=more]")
    await settled(page)
    await press(page, "Search")
    await say(page, "kekou")
    await press(page, "330ml")
    await press(page, "+")
    await page.click("#menu-bar button[data-section=cart]")
    await settled(page)


async def confirm_order(page: Page) -> str:
    """Confirm the checkout; the number of the order placed."""
    await press(page, "Confirm")
    placed = re.search(r"Order (\S+) placed!", await last_bot_text(page))
    assert placed is not None
    return placed.group(1)


async def test_a_customer_orders_in_the_browser_and_the_partner_delivers_it_on_the_web(
    db, clock, browser: Browser, artifacts: Path
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    link = await sign_in_link(db)
    async with serving(db, default_mounts()) as base:
        customer = await browser.new_page(viewport=PHONE, locale="en-US")
        await customer.goto(f"{base}/c/{invite_link_payload(partner.invite_code, 1)}")
        await customer.wait_for_selector("#status.online")
        assert "invited you to Linli" in await last_bot_text(customer)
        await onboard(customer)
        await customer.click("#menu-bar button[data-section=deals]")
        await settled(customer)
        await customer.screenshot(path=str(artifacts / "chat-360-deals.png"))

        await cola_in_cart(customer)
        await press(customer, "promo code")
        await say(customer, "COKE01")
        assert "−¥2.25" in await last_bot_text(customer)
        await press(customer, "Checkout")
        await press(customer, "Correct")
        order_no = await confirm_order(customer)
        await customer.click("#menu-bar button[data-section=orders]")
        await settled(customer)
        assert await customer.locator(".buttons button", has_text=order_no).count() == 1
        await customer.screenshot(path=str(artifacts / "chat-360-orders.png"), full_page=True)

        helper = await browser.new_page(viewport=PHONE, locale="en-US")
        await helper.goto(f"{base}{link}")
        await helper.wait_for_selector("#status.online")
        assert "partner of Jinxiu Garden" in await last_bot_text(helper)
        await press(helper, "Tonight")
        await press(helper, "Run sheet")
        await press(helper, "2栋 1201")
        await press(helper, "Delivered")
        await helper.screenshot(path=str(artifacts / "chat-360-partner.png"))

    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order).where(Order.order_no == order_no))
    assert order.status == "delivered"
