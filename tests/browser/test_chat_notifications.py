"""Notifications in a real browser: never asked on a first visit; the "🔔 Notify me" button is
there; after the first order the page asks once. The app installs its service worker."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page

from core.people.invites import invite_link_payload
from tests.browser.conftest import PHONE
from tests.browser.serving import demo_city, serving
from tests.browser.test_chat_in_a_browser import (
    cola_in_cart,
    confirm_order,
    onboard,
    press,
    settled,
)
from tests.web.test_webchat_journey import jinxiu_partner
from web.mounts import default_mounts

# Counts the page's permission requests (and answers "not now", as a person closing it).
COUNT_ASKS = """
window.__asked = 0;
Object.defineProperty(Notification, "permission", { get: () => "default" });
Notification.requestPermission = () => { window.__asked += 1; return Promise.resolve("default"); };
"""


async def asked(page: Page) -> int:
    return int(await page.evaluate("window.__asked"))


async def until(page: Page, expression: str, timeout_s: float = 10.0) -> None:
    """Wait for ``expression`` to hold in the page (wait_for_function would eval under the
    page's CSP, which forbids it)."""
    for _ in range(int(timeout_s / 0.05)):
        if await page.evaluate(expression):
            return
        await page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


async def test_the_page_asks_for_notifications_only_after_the_first_order_or_a_tap(
    db, browser: Browser, artifacts: Path
):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db, default_mounts()) as base:
        customer = await browser.new_page(viewport=PHONE, locale="en-US")
        await customer.add_init_script(COUNT_ASKS)
        await customer.goto(f"{base}/c/{invite_link_payload(partner.invite_code, 1)}")
        await customer.wait_for_selector("#status.online")
        await customer.wait_for_selector("#notify", state="visible")
        assert await customer.inner_text("#notify") == "🔔 Notify me"
        registered = await customer.evaluate(
            "navigator.serviceWorker.ready.then((r) => r.active !== null)"
        )
        assert registered
        await onboard(customer)
        await cola_in_cart(customer)
        await press(customer, "Checkout")
        await press(customer, "Correct")
        assert await asked(customer) == 0  # a first visit, a whole cart: never asked yet
        await confirm_order(customer)
        await until(customer, "window.__asked === 1")
        await customer.screenshot(path=str(artifacts / "chat-360-notify.png"))

        await customer.reload()
        await customer.wait_for_selector("#status.online")
        await customer.wait_for_timeout(300)
        assert await asked(customer) == 0  # asked once in this browser, not on every visit
        await customer.click("#notify")
        await until(customer, "window.__asked === 1")  # a tap always asks


async def test_a_visitor_who_only_looks_is_never_asked(db, browser: Browser):
    await demo_city(db)
    async with serving(db, default_mounts()) as base:
        visitor = await browser.new_page(viewport=PHONE, locale="zh-CN")
        await visitor.add_init_script(COUNT_ASKS)
        await visitor.goto(f"{base}/")
        await visitor.wait_for_selector("#status.online")
        await visitor.click("#menu-bar button[data-section=deals]")
        await settled(visitor)
        await visitor.wait_for_timeout(300)
        assert await asked(visitor) == 0
        assert await visitor.inner_text("#notify") == "🔔 开启通知"


async def test_without_a_network_the_installed_app_shows_its_offline_page(db, browser: Browser):
    await demo_city(db)
    async with serving(db, default_mounts()) as base:
        context = await browser.new_context(viewport=PHONE, locale="zh-CN")
        try:
            page = await context.new_page()
            await page.goto(f"{base}/")
            await page.wait_for_selector("#status.online")
            await until(page, "navigator.serviceWorker.controller !== null")
            await context.set_offline(True)
            await page.goto(f"{base}/")
            assert await page.inner_text("h1") == "您已离线"
            await context.set_offline(False)
            await page.click("a.retry")
            await page.wait_for_selector("#status.online")
        finally:
            await context.close()


async def test_a_notifications_link_opens_the_chat_at_its_message(db, browser: Browser):
    await demo_city(db)
    async with serving(db, default_mounts()) as base:
        page = await browser.new_page(viewport=PHONE, locale="en-US")
        await page.goto(f"{base}/")
        await page.wait_for_selector("#status.online")
        await page.click("#menu-bar button[data-section=deals]")
        await settled(page)
        await page.goto(f"{base}/?at=1")  # what a tap on a notification of message 1 opens
        await page.wait_for_selector('.row.focus[data-seq="1"]')
        assert page.url == f"{base}/"
