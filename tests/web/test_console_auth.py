"""The console's door: sign-in, sessions that end, CSRF on every form, other sessions kept out."""

import datetime as dt

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import func, select

from core.models import Promotion
from tests.web.console_support import PASSWORD, add_hq, console, csrf_of, sign_in

PAGES = ["/admin/", "/admin/catalog", "/admin/deals", "/admin/promos", "/admin/units",
         "/admin/broadcasts", "/admin/statements", "/admin/reports"]  # fmt: skip


async def test_the_right_password_opens_the_console_and_a_wrong_one_does_not(db):
    await add_hq(db)
    async with console(db) as client:
        token = await csrf_of(client)
        wrong = await client.post(
            "/admin/login", data={"csrf": token, "username": "hq", "password": "guess-guess"}
        )
        assert wrong.status == 401
        assert "用户名或密码错误" in await wrong.text()
        assert (await client.get("/admin/", allow_redirects=False)).status == 303
        await sign_in(client)
        home = await client.get("/admin/", allow_redirects=False)
        assert home.status == 200
        assert home.headers["X-Frame-Options"] == "DENY"
        assert home.headers["Cache-Control"] == "no-store"
        assert "总部" in await home.text()


async def test_every_console_page_without_a_session_goes_to_sign_in(db):
    async with console(db) as client:
        for path in [*PAGES, "/admin"]:
            response = await client.get(path)
            assert response.url.path == "/admin/login", path
            assert 'form id="login"' in await response.text()


async def test_a_form_posted_without_its_token_is_refused_and_changes_nothing(db):
    await add_hq(db)
    async with console(db) as client:
        await sign_in(client)
        form = {"code": "NOCSRF", "kind": "code", "name_zh": "无", "name_en": "none",
                "benefit": "free_shipping"}  # fmt: skip
        missing = await client.post("/admin/promos", data=form)
        assert missing.status == 403
        forged = await client.post("/admin/promos", data={**form, "csrf": "x" * 43})
        assert forged.status == 403
        no_login = await client.post("/admin/login", data={"username": "hq", "password": PASSWORD})
        assert no_login.status == 403
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Promotion)) == 0


async def test_a_session_ends_after_idle_time_and_after_its_lifetime(db, clock):
    await add_hq(db)
    async with console(db) as client:
        await sign_in(client)
        clock.advance(dt.timedelta(minutes=29))
        assert (await client.get("/admin/", allow_redirects=False)).status == 200
        clock.advance(dt.timedelta(minutes=31))
        expired = await client.get("/admin/")
        assert expired.url.path == "/admin/login"
        assert "会话已过期" in await expired.text()

        await sign_in(client)
        for _ in range(35):  # busy all day, never idle: 11 hours 40 minutes signed in
            clock.advance(dt.timedelta(minutes=20))
            assert (await client.get("/admin/", allow_redirects=False)).status == 200
        clock.advance(dt.timedelta(minutes=21))  # past the 12 hours a sign-in lasts
        assert (await client.get("/admin/", allow_redirects=False)).status == 303


async def test_sign_out_ends_the_console_session(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        out = await client.post("/admin/logout", data={"csrf": token})
        assert out.url.path == "/admin/login"
        assert (await client.get("/admin/", allow_redirects=False)).status == 303


def chat_and_partner_sessions(app: web.Application, ctx: object) -> None:
    """Stand-ins for the web chat and a partner sign-in: they write their own keys."""

    async def as_customer(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["chat_customer_id"] = 1
        return web.Response(text="ok")

    async def as_partner(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["partner_id"] = 1
        session["partner_unit_id"] = 1
        return web.Response(text="ok")

    app.router.add_get("/as-customer", as_customer)
    app.router.add_get("/as-partner", as_partner)


async def test_a_customers_or_partners_session_cannot_open_the_console(db):
    async with console(db, chat_and_partner_sessions) as client:
        for stand_in in ("/as-customer", "/as-partner"):
            assert (await client.get(stand_in)).status == 200
            for path in PAGES:
                response = await client.get(path, allow_redirects=False)
                assert response.status == 303, (stand_in, path)
                assert response.headers["Location"] == "/admin/login"


async def test_guessing_passwords_is_slowed_per_username(db, clock):
    await add_hq(db)
    async with console(db) as client:
        token = await csrf_of(client)
        for _ in range(5):
            await client.post(
                "/admin/login", data={"csrf": token, "username": "hq", "password": "wrong-one"}
            )
        right = await client.post(
            "/admin/login", data={"csrf": token, "username": "hq", "password": PASSWORD}
        )
        assert right.status == 429
        assert "尝试" in await right.text()
        clock.advance(dt.timedelta(minutes=16))
        await sign_in(client)


async def test_the_language_is_chosen_on_the_page_and_kept(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        assert "退出" in await (await client.get("/admin/")).text()
        switched = await client.post(
            "/admin/language", data={"csrf": token, "locale": "en", "next": "/admin/deals"}
        )
        assert switched.url.path == "/admin/deals"
        assert "Sign out" in await (await client.get("/admin/")).text()


async def test_guessing_many_usernames_from_one_address_is_slowed_too(db):
    await add_hq(db)
    async with console(db) as client:
        token = await csrf_of(client)
        for n in range(20):
            await client.post(
                "/admin/login", data={"csrf": token, "username": f"u{n}", "password": "x" * 8}
            )
        right = await client.post(
            "/admin/login", data={"csrf": token, "username": "hq", "password": PASSWORD}
        )
        assert right.status == 429


async def test_the_sign_in_page_sends_a_signed_in_operator_to_the_console(db):
    await add_hq(db)
    async with console(db) as client:
        await sign_in(client)
        response = await client.get("/admin/login", allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == "/admin/"
