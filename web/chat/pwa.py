"""The chat page as an installable app: manifest, service worker, offline page.

``GET /manifest.webmanifest``  name 邻里 Linli, icons (192, 512, maskable), theme colour
``GET /sw.js``                 the service worker (at the root, so its scope is the site)
``GET /offline``               what the service worker shows without a network, in the
                               customer's language (their browser's before a first visit)
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from aiohttp import web

from bot.handlers.webchat import WebChat
from bot.i18n import supported_locale
from web.chat.identity import browser_language, existing_identity
from web.chat.page import CSP, render_template

STATIC = Path(__file__).parent / "static"
THEME = "#ededed"
MANIFEST = {
    "name": "邻里 Linli",
    "short_name": "邻里",
    "description": "邻里 Linli: groceries from your neighbourhood partner",
    "id": "/",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": THEME,
    "theme_color": THEME,
    "icons": [
        {"src": "/static/chat/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/chat/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/chat/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}


def mount(app: web.Application, chat: WebChat) -> None:
    """Add the app's routes."""

    async def offline(request: web.Request) -> web.Response:
        who = await existing_identity(request, chat.db)
        if who is not None:
            locale = await chat.locale_of(who)
        else:
            locale = supported_locale(browser_language(request))
        return web.Response(
            text=render_template("offline.html", locale),
            content_type="text/html",
            headers={"Cache-Control": "no-cache", "Content-Security-Policy": CSP},
        )

    app.router.add_get("/manifest.webmanifest", manifest)
    app.router.add_get("/sw.js", service_worker)
    app.router.add_get("/offline", offline)


async def manifest(_request: web.Request) -> web.Response:
    """The web app manifest."""
    return web.Response(
        text=json.dumps(MANIFEST, ensure_ascii=False),
        content_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@cache
def _worker_source() -> str:
    return (STATIC / "sw.js").read_text(encoding="utf-8")


async def service_worker(_request: web.Request) -> web.Response:
    """The service worker; never cached long, so a new version reaches browsers soon."""
    return web.Response(
        text=_worker_source(),
        content_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )
