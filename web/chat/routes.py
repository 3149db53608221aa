"""The web chat's routes: the page, its websocket, leaflet and partner links, static files.

``GET /``            the chat page (a first visit gets a web identity and the welcome)
``GET /ws``          the page's websocket (``web.chat.socket``)
``GET /c/{invite}``  a leaflet's QR link: runs ``/start <invite>`` for this browser, then
                     opens the page (already bound to the unit and partner). Invite and
                     assisted-order codes only: never a link code (``link-…``), which
                     would attach this browser to someone's account on a plain GET
``GET /p/{token}``   a partner's one-time sign-in link (the cockpit's web sign-in, or
                     HQ's 24-hour enrolment link): binds this browser as a partner device
``POST /p/out``      a partner signs out of this browser
``POST /chat/photo`` the page sends a photo (``web.chat.photos``)
``GET /chat/image/{id}`` a sent photo, for its sender's and recipient's browsers only
``/static/chat/``    the page's CSS and JavaScript (no CDN, nothing fetched at run time)
``/push/...``        Web Push subscriptions (``web.chat.push``)
``/manifest.webmanifest``, ``/sw.js``, ``/offline``: the installable app (``web.chat.pwa``)
"""

from __future__ import annotations

import hashlib
import re
import secrets
import weakref
from pathlib import Path

from aiohttp import web

from bot.flows.customer.web_links import is_link_payload
from bot.flows.events import Command, Incoming
from bot.handlers.webchat import Hub, WebChat, WebIdentity
from core.messaging import webchat_log
from core.people.invites import parse_start_payload
from core.people.web_tokens import partner_signing_in
from web.chat import photos, push, pwa
from web.chat.identity import (
    ensure_identity,
    existing_identity,
    sign_in_partner,
    sign_out_partner,
)
from web.chat.page import render_notice, render_page
from web.chat.socket import close_all, serve_socket
from web.context import WebContext
from web.metrics import metrics_of

STATIC = Path(__file__).parent / "static"
WEBCHAT = web.AppKey("linli_webchat", WebChat)
SOCKETS = web.AppKey("linli_webchat_sockets", weakref.WeakSet[web.WebSocketResponse])
# ``ctx.extras`` key the Telegram side may fill with ``Renderer(bot, db).forward``.
TELEGRAM_FORWARD = "telegram_forward"
MAX_INVITE = 64
ASSIST = re.compile(r"a[A-Za-z0-9_-]{8,32}")  # ``a`` + an assisted link's token


def mount(app: web.Application, ctx: WebContext) -> None:
    """Add the web chat to ``app`` (the chat lives at the site's root)."""
    chat = WebChat(ctx.db, Hub())
    app[WEBCHAT] = chat
    ctx.extras["webchat"] = chat

    async def wire_telegram(_app: web.Application) -> None:
        """Pick up the Telegram side's forwarder if it was left in the context."""
        chat.telegram_forward = ctx.extras.get(TELEGRAM_FORWARD)

    chat.observer = metrics_of(ctx).observe_update  # linli_updates_handled_total{channel="web"}

    async def listen(_app: web.Application) -> None:
        """Hear of every transcript append, in this process or another (LISTEN/NOTIFY)."""
        await chat.listen()

    async def stop_listening(_app: web.Application) -> None:
        await chat.stop_listening()

    async def close_pages(_app: web.Application) -> None:
        """On shutdown, tell every open page to go away; each reconnects and catches up."""
        await close_all(app[SOCKETS])

    app[SOCKETS] = weakref.WeakSet()
    app.on_startup.append(wire_telegram)
    app.on_startup.append(listen)
    app.on_shutdown.append(close_pages)
    app.on_cleanup.append(stop_listening)
    app.router.add_get("/", page)
    app.router.add_get("/ws", socket)
    app.router.add_get("/c/{invite}", leaflet)
    app.router.add_get("/p/{token}", partner_link)
    app.router.add_post("/p/out", partner_out)
    app.router.add_post("/chat/photo", photo_upload)
    app.router.add_get("/chat/image/{image_id}", photo_image)
    app.router.add_static("/static/chat/", STATIC, name="chat_static", append_version=True)
    push.mount(app, ctx, chat)
    pwa.mount(app, chat)


def _chat(request: web.Request) -> WebChat:
    """The application's web chat adapter."""
    return request.app[WEBCHAT]


async def page(request: web.Request) -> web.Response:
    """The chat page; a browser's first visit starts its chat like Telegram's Start button."""
    chat = _chat(request)
    _session, who = await ensure_identity(request, chat.db)
    await _start_if_new(chat, who)
    return render_page(
        request,
        await _locale(chat, who),
        partner=who.is_partner,
        chat_key=_chat_key(who),
    )


def _chat_key(who: WebIdentity) -> str:
    """A name for this chat the page may keep in localStorage (not the chat's id itself)."""
    return hashlib.sha256(f"linli-page/{who.channel}/{who.chat_id}".encode()).hexdigest()[:16]


async def photo_upload(request: web.Request) -> web.Response:
    """The page sends a photo."""
    return await photos.upload(request, _chat(request))


async def photo_image(request: web.Request) -> web.Response:
    """A sent photo, for the two chats it belongs to."""
    return await photos.image(request, _chat(request))


async def socket(request: web.Request) -> web.StreamResponse:
    """The page's websocket (a browser without a chat cookie is told to reload)."""
    return await serve_socket(
        request,
        _chat(request),
        await existing_identity(request, _chat(request).db),
        request.app[SOCKETS],
    )


async def leaflet(request: web.Request) -> web.StreamResponse:
    """``/c/<invite>``: the same onboarding as Telegram's ``/start <invite>``, then the page.

    A link code is refused (the page opens as it is): linking accounts is a button the
    person presses on a page they opened themselves, never a link someone sent them.
    """
    chat = _chat(request)
    _session, who = await ensure_identity(request, chat.db)
    invite = request.match_info["invite"][:MAX_INVITE]
    if invite_or_assist(invite) and not who.is_partner:
        await _run_start(chat, who, invite)
    raise web.HTTPFound("/")


def invite_or_assist(payload: str) -> bool:
    """A partner's invite (``i<code>[b<n>]``) or an assisted-order link (``a<token>``) only."""
    if is_link_payload(payload):
        return False
    return parse_start_payload(payload) is not None or ASSIST.fullmatch(payload) is not None


async def partner_link(request: web.Request) -> web.StreamResponse:
    """``/p/<token>``: sign this browser in as the partner, once, before the link expires."""
    chat = _chat(request)
    async with chat.db.uow() as uow:
        partner = await partner_signing_in(uow, request.match_info["token"])
        await uow.commit()
    if partner is None:
        _session, who = await ensure_identity(request, chat.db)
        return render_notice(request, await _locale(chat, who), status=403)
    who = await sign_in_partner(request, chat.db, partner)
    await _run_start(chat, who, "")  # the cockpit, below whatever waited for them
    raise web.HTTPFound("/")


async def partner_out(request: web.Request) -> web.StreamResponse:
    """A partner leaves this browser (it shows the customer chat again)."""
    await sign_out_partner(request, _chat(request).db)
    raise web.HTTPFound("/")


async def _start_if_new(chat: WebChat, who: WebIdentity) -> None:
    """An empty chat gets ``/start`` once (the update id makes a double visit harmless)."""
    async with chat.db.uow() as uow:
        if await webchat_log.last_seq(uow, who.channel, who.chat_id):
            return
    await _run_start(chat, who, "", update_id=f"web:first-{who.chat_id}"[:40])


async def _run_start(
    chat: WebChat, who: WebIdentity, args: str, update_id: str | None = None
) -> None:
    """``/start args`` for this browser's chat."""
    incoming = Incoming(
        channel=who.channel,
        chat_id=who.chat_id,
        user_id=who.chat_id,
        event=Command("start", args),
        language_code=who.language_code,
        update_id=update_id or f"web:s-{secrets.token_urlsafe(12)}",
        origin=who.origin,
    )
    await chat.run(who, incoming)


async def _locale(chat: WebChat, who: WebIdentity) -> str:
    """The language the page speaks: the customer's (their browser's on a first visit)."""
    return await chat.locale_of(who)
