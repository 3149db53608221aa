"""Web Push for the chat page: the server's key, subscribe and unsubscribe, the sender.

``GET /push/key``           the VAPID public key the page subscribes with
``POST /push/subscribe``    the page's ``PushSubscription`` (JSON), for its own chat
``POST /push/unsubscribe``  ``{"endpoint": ...}``: notifications off in this browser

Both POSTs come from the page itself only (same origin, JSON), for the chat its cookie
opens. The sender (``core.messaging.webpush``) runs in every ``linli serve`` and sends
from the process holding the scheduler role only.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.handlers.webchat import WebChat, WebIdentity
from core.messaging import push_subscriptions
from core.messaging.webpush import PushSender
from core.platform.vapid import vapid_keys
from web.chat.identity import existing_identity
from web.chat.socket import same_origin
from web.context import WebContext
from web.ops import ROLE

PUSH = web.AppKey("linli_push_sender", PushSender)
MAX_BODY = 8 * 1024


def mount(app: web.Application, ctx: WebContext, chat: WebChat) -> None:
    """The push routes, and the sender started and stopped with the server."""
    role = ctx.extras.get(ROLE)
    sender = PushSender(
        ctx.db,
        open_here=chat.hub.is_open,
        active=(lambda: bool(role.held)) if role is not None else (lambda: True),
    )
    app[PUSH] = sender

    async def start(_app: web.Application) -> None:
        await sender.start()

    async def stop(_app: web.Application) -> None:
        await sender.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_get("/push/key", key)
    app.router.add_post("/push/subscribe", subscribe)
    app.router.add_post("/push/unsubscribe", unsubscribe)


async def key(request: web.Request) -> web.Response:
    """The applicationServerKey (public: every browser subscribing needs it)."""
    keys = await vapid_keys(request.app[PUSH].db)
    return web.json_response({"key": keys.public_key}, headers={"Cache-Control": "no-cache"})


async def _who_and_body(request: web.Request) -> tuple[WebIdentity, dict[str, object]]:
    """The page's chat and its JSON (403 from another site, 400 for anything else)."""
    if not same_origin(request) or request.content_type != "application/json":
        raise web.HTTPForbidden(text="from the chat page only")
    who = await existing_identity(request, request.app[PUSH].db)
    if who is None:
        raise web.HTTPForbidden(text="no chat session")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(raw))
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="not a subscription")
    return who, body


async def subscribe(request: web.Request) -> web.Response:
    """Keep this browser's subscription for its chat."""
    who, body = await _who_and_body(request)
    db = request.app[PUSH].db
    allow_http = not db.settings.web_address.startswith("https://")
    try:
        target = push_subscriptions.checked(body, allow_http=allow_http)
    except push_subscriptions.BadSubscription as bad:
        raise web.HTTPBadRequest(text=str(bad)) from None
    async with db.uow() as uow:
        await push_subscriptions.subscribe(uow, who.channel, who.chat_id, target)
        await uow.commit()
    return web.json_response({"ok": True})


async def unsubscribe(request: web.Request) -> web.Response:
    """Notifications off in this browser."""
    who, body = await _who_and_body(request)
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str):
        raise web.HTTPBadRequest(text="no endpoint")
    db = request.app[PUSH].db
    async with db.uow() as uow:
        removed = await push_subscriptions.unsubscribe(uow, who.channel, who.chat_id, endpoint)
        await uow.commit()
    return web.json_response({"ok": removed})
