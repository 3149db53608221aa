"""A partner without Telegram, entirely on the web: HQ's sign-in link, the device, revoking it;
a customer's order ping and "💬 My partner" messages reach the partner's page live, and the
partner answers with the page's Reply button; ``/c/`` never follows a link code."""

from __future__ import annotations

import base64
import io
import re

import zxingcpp
from aiohttp import ClientSession, CookieJar, WSMsgType
from aiohttp.test_utils import TestClient
from PIL import Image
from sqlalchemy import func, select

from core.messaging import webchat_log
from core.models import ChannelIdentity, Customer, Partner, PartnerDevice, Unit
from core.people.assist import create_assist_token
from core.people.customers import customer_for_identity
from core.people.invites import invite_link_payload
from core.people.partner_devices import devices_of, revoke_device
from core.people.web_tokens import link_code, partner_enrolment_link
from tests.web.console_support import add_hq, console, sign_in
from tests.web.test_webchat_journey import onboard, order_a_coke_with_coke01
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import WEBCHAT, invite_or_assist
from web.chat.routes import mount as chat_mount

CUSTOMER_PHONE = "13900000000"  # what ``onboard`` shares


async def jinxiu_partner(db) -> Partner:
    """The demo partner of 锦绣花园: no Telegram account, as the demo makes them."""
    async with db.uow() as uow:
        unit = await uow.session.scalar(select(Unit).where(Unit.code == "jinxiu"))
        partner = await uow.session.scalar(
            select(Partner).where(Partner.unit_id == unit.id, Partner.active.is_(True))
        )
        assert partner.telegram_id is None
        return partner


def qr_of(html: str) -> list[str]:
    found = re.search(r'id="signin-qr" src="data:image/png;base64,([^"]+)"', html)
    assert found, "no QR code on the page"
    png = base64.b64decode(found.group(1))
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def browser_of(client: TestClient, language: str = "en") -> ClientSession:
    return ClientSession(
        base_url=str(client.make_url("/")),
        cookie_jar=CookieJar(unsafe=True),
        headers={"Accept-Language": language, "User-Agent": "Mozilla/5.0 (Linux; Android 14)"},
    )


async def test_hq_makes_a_sign_in_link_the_partner_enrols_and_hq_revokes_the_device(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    await add_hq(db, "hq2")
    async with console(db, chat_mount) as client:
        token = await sign_in(client, "hq2")
        made = await client.post("/admin/units/jinxiu/partner/link", data={"csrf": token})
        html = await made.text()
        assert made.status == 200
        link = re.search(r'<code id="signin-url">([^<]+)</code>', html).group(1)
        assert re.fullmatch(r"http://127\.0\.0\.1:8080/p/[A-Za-z0-9_-]{24}", link)
        assert qr_of(html) == [link]
        assert 'id="no-devices"' in html

        path = link.split("8080", 1)[1]
        async with browser_of(client) as phone, browser_of(client) as stranger:
            page = Page(phone)
            assert await page.open(path) == 200
            home = await (await phone.get("/")).text()
            assert 'class="partner"' in home and 'class="partner-bar"' in home
            assert 'data-section="run"' in home and 'data-section="shop"' not in home
            await page.connect()
            assert "partner of Jinxiu Garden" in page.last_text
            await page.menu("earnings")  # the partner's bottom bar opens cockpit screens
            await page.menu("run")
            assert "No doors tonight." in page.last_text
            assert await Page(stranger).open(path) == 403  # once

            unit_page = await (await client.get("/admin/units/jinxiu")).text()
            device = re.search(r'<tr data-device="(\d+)">', unit_page)
            assert device is not None and "Android 14" in unit_page and "有效" in unit_page
            revoked = await client.post(
                f"/admin/units/jinxiu/devices/{device.group(1)}/revoke", data={"csrf": token}
            )
            assert revoked.status == 200 and "已撤销" in await revoked.text()

            # The open page's next message closes it (it reloads), then it is a customer's.
            assert page.ws is not None
            await page.ws.send_json({"type": "menu", "section": "home", "id": "after-revoke"})
            closing = await page.ws.receive(timeout=5)
            assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
            assert page.ws.close_code == 4401
            again = await (await phone.get("/")).text()
            assert 'class="customer"' in again and 'data-section="shop"' in again
    async with db.uow() as uow:
        [row] = await uow.session.scalars(select(PartnerDevice))
        assert row.partner_id == partner.id and row.revoked_at is not None


async def test_a_web_only_partner_sees_the_ping_and_answers_a_customer_live(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with db.uow() as uow:
        link = await partner_enrolment_link(uow, partner)
        await uow.commit()
    async with (
        serving(db) as server,
        browser(server) as customer_client,
        browser(server) as partner_client,
    ):
        partner_page = Page(partner_client)
        assert await partner_page.open("/p/" + link.rsplit("/", 1)[1]) == 200
        await partner_page.connect()
        assert "partner of Jinxiu Garden" in partner_page.last_text

        page = Page(customer_client)
        await onboard(page, partner)
        order_no = await order_a_coke_with_coke01(page)
        await wait_for(partner_page, lambda p: order_no in p.last_text)  # the ping, live
        assert "2栋 1201" in partner_page.last_text

        await page.say("/menu")
        await page.press("My partner")
        assert partner.name in page.last_text and "will answer here" in page.last_text
        await page.say("Can you bring it before 19:00?")
        await wait_for(partner_page, lambda p: "before 19:00" in p.last_text)
        question = partner_page.shown[partner_page.last_seq]
        assert question.body.get("answerable") is True  # the page's Reply button

        await partner_page.send(
            {"type": "text", "text": "好的，18:30 到。", "reply_to": question.seq}
        )
        assert "已发给" in partner_page.last_text
        await wait_for(page, lambda p: "18:30" in p.last_text)
        assert partner.name in page.last_text

        await partner_page.menu("run")  # tonight's run sheet from the partner's bottom bar
        assert f"📞 {CUSTOMER_PHONE}" in partner_page.last_text


async def test_c_accepts_invite_codes_only_never_a_link_code(db):
    await demo_city(db)
    async with db.uow() as uow:
        someone = await customer_for_identity(uow, "telegram", "777")
        code = await link_code(uow, someone.id)
        await uow.commit()
    async with serving(db) as server, browser(server) as client:
        assert await Page(client).open(f"/c/link-{code}") == 200  # the page, nothing linked
        assert await Page(client).open(f"/c/{code}") == 200
    async with db.uow() as uow:
        accounts = await uow.session.scalar(
            select(func.count())
            .select_from(ChannelIdentity)
            .where(ChannelIdentity.customer_id == someone.id)
        )
    assert accounts == 1  # still only their Telegram account


def test_only_invites_and_assisted_links_run_on_c():
    assert invite_or_assist(invite_link_payload("ABCDEFGHIJKL"))
    assert invite_or_assist(invite_link_payload("ABCDEFGHIJKL", 3))
    assert invite_or_assist("a" + "x" * 16)  # an assisted-order link's web form
    assert not invite_or_assist("link-" + "x" * 24)
    assert not invite_or_assist("x" * 24)
    assert not invite_or_assist("")


async def test_an_assisted_link_on_the_web_starts_a_guided_first_order(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with db.uow() as uow:
        token = await create_assist_token(uow, partner.id)
        await uow.commit()
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        assert await page.open(f"/c/a{token}") == 200
        await page.connect()
        assert partner.name in " ".join(page.texts())
    async with db.uow() as uow:
        guided = await uow.session.scalar(select(func.count()).where(Customer.guided.is_(True)))
    assert guided == 1


async def test_in_the_demo_my_partner_works_before_the_partner_has_signed_in(db):
    await demo_city(db)  # ``linli demo``: it printed a sign-in link for every demo partner
    partner = await jinxiu_partner(db)
    async with serving(db) as server, browser(server) as client:
        page = Page(client)
        await onboard(page, partner)
        await page.say("/menu")
        await page.press("My partner")
        assert f"your partner {partner.name} will answer here" in page.last_text
        await page.say("Hello, are you there?")
        assert "Sent to your partner" in page.last_text
    waiting = await webchat_log.after(db, "web", f"partner-{partner.id}", 0)
    assert any("Hello, are you there?" in m.body.get("text", "") for m in waiting)


async def test_a_revoked_partner_page_that_only_listens_is_closed_too(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with db.uow() as uow:
        link = await partner_enrolment_link(uow, partner)
        await uow.commit()
    async with serving(db) as server, browser(server) as client:
        server.app[WEBCHAT].poll_s = 0.2  # the safety-net poll is what notices, sooner here
        page = Page(client)
        assert await page.open("/p/" + link.rsplit("/", 1)[1]) == 200
        await page.connect()
        async with db.uow() as uow:
            [device] = await devices_of(uow, partner.id)
            await revoke_device(uow, device.id)
            await uow.commit()
        assert page.ws is not None
        closing = await page.ws.receive(timeout=5)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert page.ws.close_code == 4401
