"""The web application's frame: parts mount on it and share one session cookie."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp_session import get_session

from web.app import create_app
from web.context import WebContext, context
from web.session import COOKIE


def counter(app: web.Application, ctx: WebContext) -> None:
    """A part that counts a visitor's requests in their session."""

    async def visit(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["visits"] = session.get("visits", 0) + 1
        assert context(request).db is ctx.db
        return web.Response(text=str(session["visits"]))

    app.router.add_get("/visit", visit)


async def test_a_visitor_keeps_their_session_across_requests_and_a_restart(db):
    async with TestClient(TestServer(await create_app(WebContext(db), [counter]))) as client:
        assert await (await client.get("/visit")).text() == "1"
        second = await client.get("/visit")
        assert await second.text() == "2"
        cookie = second.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        saved = cookie.value

    db.caches.clear()  # a new process: the key comes back from the database
    async with TestClient(TestServer(await create_app(WebContext(db), [counter]))) as client:
        client.session.cookie_jar.update_cookies({COOKIE: saved})
        assert await (await client.get("/visit")).text() == "3"


async def test_a_tampered_cookie_starts_a_fresh_session_instead_of_failing(db):
    async with TestClient(TestServer(await create_app(WebContext(db), [counter]))) as client:
        client.session.cookie_jar.update_cookies({COOKIE: "forged-value"})
        response = await client.get("/visit")
        assert response.status == 200
        assert await response.text() == "1"


async def test_behind_https_the_session_cookie_is_marked_secure(db):
    app = await create_app(WebContext(db), [counter], secure_cookies=True)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/visit")
        assert response.cookies[COOKIE]["secure"]
