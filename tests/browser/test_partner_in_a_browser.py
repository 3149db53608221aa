"""A partner without Telegram in a real browser: HQ's sign-in link, the partner's bottom bar,
a web customer's order arriving live in the partner's page, tappable tel: links on Tonight."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser
from sqlalchemy import select

from core.models import Partner, Unit
from core.people.invites_print.links import invite_url
from core.people.web_tokens import partner_enrolment_link
from tests.browser.conftest import PHONE
from tests.browser.serving import demo_city, serving
from tests.browser.test_chat_in_a_browser import (
    cola_in_cart,
    confirm_order,
    last_bot_text,
    onboard,
    press,
    settled,
)
from web.mounts import default_mounts


async def enrolment_path(db) -> tuple[Partner, str]:
    """The 锦绣花园 demo partner (no Telegram) and the path of HQ's sign-in link for them."""
    async with db.uow() as uow:
        unit = await uow.session.scalar(select(Unit).where(Unit.code == "jinxiu"))
        partner = await uow.session.scalar(
            select(Partner).where(Partner.unit_id == unit.id, Partner.active.is_(True))
        )
        assert partner.telegram_id is None
        link = await partner_enrolment_link(uow, partner)
        await uow.commit()
    return partner, "/p/" + link.rsplit("/p/", 1)[1]


async def test_a_partner_enrols_a_customer_orders_and_the_ping_shows_live_then_tel_links(
    db, clock, browser: Browser, artifacts: Path
):
    await demo_city(db)
    partner, enrol = await enrolment_path(db)
    async with serving(db, default_mounts()) as base:
        helper = await browser.new_page(viewport=PHONE, locale="en-US")
        await helper.goto(f"{base}{enrol}")
        await helper.wait_for_selector("#status.online")
        assert "partner of Jinxiu Garden" in await last_bot_text(helper)
        assert await helper.locator("#menu-bar.partner-bar button[data-section=run]").count() == 1
        assert await helper.locator("#menu-bar button[data-section=shop]").count() == 0

        customer = await browser.new_page(viewport=PHONE, locale="en-US")
        invite = invite_url(db.settings, partner.invite_code)  # the web chat's /c/ link
        await customer.goto(base + invite.split("8080", 1)[1])
        await customer.wait_for_selector("#status.online")
        assert "invited you to Linli" in await last_bot_text(customer)
        await press(customer, "1栋")
        await onboard(customer)
        await cola_in_cart(customer)
        await press(customer, "Checkout")
        await press(customer, "Correct")
        order_no = await confirm_order(customer)

        # The partner's page shows the ping without a reload (pushed over its websocket).
        ping = helper.locator(".bubble.bot", has_text=order_no)
        await ping.first.wait_for(timeout=5000)
        assert "1栋 1201" in await ping.first.inner_text()
        await helper.screenshot(path=str(artifacts / "partner-360-ping.png"))

        await helper.click("#menu-bar button[data-section=tonight]")
        await settled(helper)
        await helper.click("#menu-bar button[data-section=run]")
        await settled(helper)
        tel = helper.locator('.bubble.bot a.tel[href="tel:13900000000"]')
        assert await tel.count() >= 1  # the run sheet's phone, one tap to call
        await press(helper, "1栋 1201")
        door = helper.locator(".bubble.bot").last.locator('a.tel[href="tel:13900000000"]')
        assert await door.count() == 1  # and the door card's
        await helper.screenshot(path=str(artifacts / "partner-360-door.png"))
