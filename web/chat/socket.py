"""One page's websocket: page messages in (one at a time, in order), chat messages out.

Every message a page gets carries its chat's sequence number; this connection sends
them in order and without gaps (``Outgoing``): a push that finds a gap (a message
written meanwhile by another process or before the page said where it stands) reads
the missing ones from the transcript first. The page drops numbers it already shows.

Appends in other processes arrive as signals (``WebChat.signalled``, LISTEN/NOTIFY on
PostgreSQL); a slow poll (``LINLI_WEBCHAT_POLL_SECONDS``) is only a safety net.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import MutableSet
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.flows.router import t_for
from bot.handlers.webchat import CHANNEL, BadMessage, SignedOut, WebChat, WebIdentity
from core.messaging import push_subscriptions
from core.messaging.webchat_log import Logged
from web.chat.page import words_for

log = logging.getLogger("linli.webchat")


def _(message: str) -> str:
    """Mark for extraction; translated when sent."""
    return message


APOLOGY = _("Sorry, something went wrong on our side. Please try again in a moment.")
MAX_MESSAGE = 16 * 1024
FRESH_PAGE = 300  # messages a newly opened page starts with
NO_SESSION = 4401  # the close code a page without a chat cookie gets (it reloads)
LEASE_RENEW_S = 30.0  # an open page renews its chat's "a page is open" lease this often


def wire(message: Logged) -> dict[str, Any]:
    """A transcript message as JSON for the page."""
    return {"seq": message.seq, "kind": message.kind, "body": message.body}


class Outgoing:
    """What this connection has sent, so pushes and replays keep the chat's order."""

    def __init__(self, ws: web.WebSocketResponse, chat: WebChat, who: WebIdentity) -> None:
        self.ws = ws
        self.chat = chat
        self.who = who
        self.shown: int | None = None  # None until the page said where it stands
        self.lock = asyncio.Lock()
        # notifications are offered to customers whose page asks (it has not asked them yet)
        self.offered = who.channel != CHANNEL

    async def resume(self, last: int) -> None:
        """The page shows everything up to ``last``: send what came after.

        A fresh page (``last`` 0) gets the newest ``FRESH_PAGE`` messages, not a chat's
        whole history (edits of older bubbles among them are then simply not shown).
        The closing ``resumed`` frame tells the page its replay is complete.
        """
        async with self.lock:
            if last == 0:
                last = max(0, await self.chat.last_seq(self.who) - FRESH_PAGE)
            self.shown = last
            await self._catch_up(replay=True)
            await self.ws.send_json({"type": "resumed", "last": self.shown})

    async def push(self, messages: list[Logged]) -> None:
        """New messages of the chat; any gap before them is read from the transcript.

        No messages: look in the transcript for anything after what the page shows.
        """
        async with self.lock:
            if self.shown is None or self.ws.closed:
                return
            if not messages:
                await self._catch_up(replay=False)
                return
            fresh = [m for m in messages if m.seq > self.shown]
            if not fresh:
                return
            if fresh[0].seq != self.shown + 1:
                await self._catch_up(replay=False)
                return
            await self._send(fresh, replay=False)

    async def poll(self) -> None:
        """Look for messages another process wrote (its pushes cannot reach this one)."""
        async with self.lock:
            if self.shown is not None and not self.ws.closed:
                await self._catch_up(replay=False)

    async def _catch_up(self, *, replay: bool) -> None:
        """Send everything after ``shown`` (a page far behind gets it in batches)."""
        assert self.shown is not None
        while True:
            missing = await self.chat.history(self.who, self.shown)
            if not missing:
                return
            await self._send(missing, replay=replay)

    async def _send(self, messages: list[Logged], *, replay: bool) -> None:
        """One frame of messages; ``replay``: history (the page shows no toasts from it)."""
        await self.ws.send_json(
            {"type": "messages", "replay": replay, "items": [wire(m) for m in messages]}
        )
        self.shown = messages[-1].seq


def same_origin(request: web.Request) -> bool:
    """A browser's websocket from this site only (another site's page cannot ride the cookie).

    Browsers always send ``Origin`` on websockets; clients that are not browsers (tests,
    the bench) send none and have only their own cookie to show.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("X-Forwarded-Host") or request.host
    return origin.split("://", 1)[-1].rstrip("/").lower() == host.lower()


async def close_all(sockets: MutableSet[web.WebSocketResponse]) -> None:
    """Close every open page's websocket as "going away" (a restart: they reconnect)."""
    for ws in list(sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")


async def serve_socket(
    request: web.Request,
    chat: WebChat,
    who: WebIdentity | None,
    sockets: MutableSet[web.WebSocketResponse] | None = None,
) -> web.StreamResponse:
    """Run one page's websocket until it closes (``sockets``: the open ones, for shutdown)."""
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site websocket refused")
    ws = web.WebSocketResponse(heartbeat=25.0, max_msg_size=MAX_MESSAGE)
    await ws.prepare(request)
    if who is None:
        await ws.close(code=NO_SESSION, message=b"no chat session")
        return ws
    if sockets is not None:
        sockets.add(ws)
    out = Outgoing(ws, chat, who)
    chat.hub.join(who.key, out.push)
    poller = asyncio.create_task(_poll(out, chat.poll_s))
    try:
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            await _one(chat, who, out, frame.data)
    finally:
        chat.hub.leave(who.key, out.push)
        poller.cancel()
        if sockets is not None:
            sockets.discard(ws)
        if not chat.hub.is_open(who.key):  # pushes go to this chat again
            # its own task: the handler of a closed connection may be cancelled any moment
            closing = asyncio.create_task(_page_open(chat, who, is_open=False))
            _closing.add(closing)
            closing.add_done_callback(_closing.discard)
    return ws


_closing: set[asyncio.Task[None]] = set()  # lease releases in flight


async def _page_open(chat: WebChat, who: WebIdentity, *, is_open: bool) -> None:
    """Tell the push sender (in whichever process) whether a page of the chat is open."""
    try:
        async with chat.db.uow() as uow:
            await push_subscriptions.page_open(uow, *who.key, is_open=is_open)
            await uow.commit()
    except Exception:  # a lease is a hint: a failed one costs at most one push too many
        log.warning("web chat %s: page lease not renewed", who.key, exc_info=True)


async def _poll(out: Outgoing, every_s: float) -> None:
    """Renew the page's lease; every ``every_s``, catch up on anything no signal brought."""
    loop = asyncio.get_running_loop()
    next_poll = loop.time() + every_s
    while not out.ws.closed:
        await asyncio.sleep(min(LEASE_RENEW_S, max(0.0, next_poll - loop.time())))
        if out.ws.closed:
            return
        await _page_open(out.chat, out.who, is_open=True)
        if loop.time() < next_poll:
            continue
        next_poll = loop.time() + every_s
        try:
            if not await out.chat.still_partner(out.who):  # HQ revoked this partner device
                await out.ws.close(code=NO_SESSION, message=b"signed out")
                return
            await out.poll()
        except (ConnectionError, RuntimeError) as gone:
            log.info("web chat %s: poll ended (%s)", out.who.key, gone)
            return


async def _offer_push(chat: WebChat, who: WebIdentity, out: Outgoing) -> None:
    """After the customer's first order, the page may ask to send notifications (once)."""
    if out.offered:
        return
    async with chat.db.uow() as uow:
        ordered = await push_subscriptions.has_ordered(uow, *who.key)
    if ordered:
        out.offered = True
        await _ack(out.ws, {"type": "push_offer"})


async def _one(chat: WebChat, who: WebIdentity, out: Outgoing, data: str) -> None:
    """One page message: a resume, or something for the flows (acknowledged when done)."""
    try:
        message = json.loads(data)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    if message.get("type") == "resume":
        last = message.get("last")
        await _hello(chat, who, out.ws)
        if message.get("offer") is not True:
            out.offered = True  # the page has its answer already (or cannot take pushes)
        await out.resume(last if isinstance(last, int) and last >= 0 else 0)
        await _page_open(chat, who, is_open=True)
        await _offer_push(chat, who, out)
        return
    client_id = message.get("id")
    try:
        await chat.receive(who, message)
        if await chat.may_change_language(who, message):
            await _hello(chat, who, out.ws)
    except SignedOut:  # a revoked partner device: the page reloads as a customer's
        await out.ws.close(code=NO_SESSION, message=b"signed out")
        return
    except BadMessage as bad:
        await _ack(out.ws, {"type": "ack", "id": client_id, "error": str(bad)})
        return
    except Exception:
        log.exception("web chat %s: message %s failed", who.key, client_id)
        apology = t_for(who.language_code).gettext(APOLOGY)
        await _ack(out.ws, {"type": "ack", "id": client_id, "error": apology})
        return
    await _ack(out.ws, {"type": "ack", "id": client_id})
    await _offer_push(chat, who, out)


async def _hello(chat: WebChat, who: WebIdentity, ws: web.WebSocketResponse) -> None:
    """The page's own words in the customer's language (on connect and after a change)."""
    locale = await chat.locale_of(who)
    await _ack(ws, {"type": "hello", "locale": locale, "words": words_for(locale)})


async def _ack(ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
    """Tell the page its message is done; a page gone meanwhile resends it (handled once)."""
    try:
        await ws.send_json(frame)
    except (ConnectionError, RuntimeError) as gone:
        log.info("web chat: ack %s not delivered (%s)", frame.get("id"), gone)
