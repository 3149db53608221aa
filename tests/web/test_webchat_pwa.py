"""The chat is an installable app: its manifest, icons, service worker and offline page."""

from __future__ import annotations

import io

from PIL import Image

from tests.web.webchat_support import browser, serving


async def test_the_manifest_names_linli_with_icons_of_the_sizes_it_claims(db):
    async with serving(db) as server, browser(server) as client:
        answer = await client.get("/manifest.webmanifest")
        assert answer.status == 200
        assert answer.content_type == "application/manifest+json"
        manifest = await answer.json(content_type=None)
        assert manifest["name"] == "邻里 Linli"
        assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
        assert manifest["theme_color"].startswith("#")
        sizes = set()
        for icon in manifest["icons"]:
            png = await client.get(icon["src"])
            assert png.status == 200 and png.content_type == "image/png"
            width, height = Image.open(io.BytesIO(await png.read())).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        assert {192, 512} <= sizes
        assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


async def test_the_page_links_the_manifest_and_the_service_worker_is_served_as_javascript(db):
    async with serving(db) as server, browser(server) as client:
        page = await (await client.get("/")).text()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page
        worker = await client.get("/sw.js")
        assert worker.status == 200
        assert worker.content_type == "text/javascript"
        source = await worker.text()
        assert "showNotification" in source and "notificationclick" in source
        assert "/offline" in source


async def test_the_offline_page_says_it_is_offline_in_the_customers_language(db):
    async with serving(db) as server:
        async with browser(server, "zh-CN") as chinese:
            page = await (await chinese.get("/offline")).text()
            assert "您已离线" in page
        async with browser(server, "en") as english:
            answer = await english.get("/offline")
            assert answer.content_type == "text/html"
            assert "You are offline" in await answer.text()
