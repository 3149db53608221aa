"""The web chat mounted with the rest of ``linli serve``'s parts, and its shutdown."""

from __future__ import annotations

import asyncio

from aiohttp import WSCloseCode, WSMsgType
from aiohttp.test_utils import TestServer

from tests.web.webchat_support import Page, browser, demo_city
from web.app import create_app
from web.chat import mount
from web.context import WebContext
from web.mounts import default_mounts


async def test_the_chat_lives_at_the_root_next_to_health_and_the_console(db):
    await demo_city(db)
    server = TestServer(await create_app(WebContext(db), default_mounts()))
    await server.start_server()
    try:
        async with browser(server) as client:
            page = Page(client)
            assert await page.open("/") == 200
            await page.connect()
            assert page.order  # the welcome
            assert (await client.get("/healthz")).status in (200, 503)
            assert (await client.get("/admin/", allow_redirects=False)).status in (200, 302, 303)
            assert (await client.get("/static/chat/chat.js")).status == 200
    finally:
        await server.close()


async def test_a_shutdown_tells_open_pages_to_go_away_so_they_reconnect(db):
    await demo_city(db)
    server = TestServer(await create_app(WebContext(db), [mount]))
    await server.start_server()
    async with browser(server) as client:
        page = Page(client)
        assert await page.open("/") == 200
        await page.connect()
        assert page.ws is not None
        stopping = asyncio.create_task(server.close())
        frame = await page.ws.receive(timeout=5)
        assert frame.type == WSMsgType.CLOSE and frame.data == WSCloseCode.GOING_AWAY
        await stopping


async def test_page_messages_are_counted_in_the_metrics_as_the_web_channel(db):
    await demo_city(db)
    server = TestServer(await create_app(WebContext(db), default_mounts()))
    await server.start_server()
    try:
        async with browser(server) as client:
            page = Page(client)
            assert await page.open("/") == 200
            await page.connect()
            await page.send({"type": "text", "text": "/help"})
            await page.menu("more")
            metrics = await (await client.get("/metrics")).text()
    finally:
        await server.close()
    assert 'linli_updates_handled_total{channel="web",outcome="ok"} 2.0' in metrics
