"""A scripted browser for the web chat: a cookie jar, a websocket, and the page's transcript.

``Page`` speaks the page's protocol (resume with the last sequence number, messages with
client ids, acks) and keeps what a real page would show: bubbles by number, edits
applied, the big keys of guided mode, toasts. Tests read it like a person reads the screen.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar, FormData, WSMsgType
from aiohttp.test_utils import TestServer

from core.demo.loader import load_demo
from core.platform.uow import Database
from web.app import create_app
from web.chat import mount
from web.context import WebContext

_ids = itertools.count(1)


@dataclass
class Shown:
    """One bubble as the page shows it now."""

    seq: int
    kind: str
    text: str
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """One browser tab on the chat."""

    client: ClientSession
    ws: ClientWebSocketResponse | None = None
    shown: dict[int, Shown] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)
    keys: list[list[str]] | None = None
    ask_contact: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    received: list[int] = field(default_factory=list)  # every seq the server sent, repeats too

    @property
    def last_seq(self) -> int:
        """The newest number this page shows."""
        return max(self.shown, default=0)

    async def open(self, path: str = "/") -> int:
        """Load a page of the site (following redirects, keeping cookies); its status."""
        response = await self.client.get(path)
        await response.read()
        return response.status

    async def connect(self, last: int | None = None) -> None:
        """Open the websocket and say which number the page has (its own, by default)."""
        self.ws = await self.client.ws_connect("/ws")
        await self.ws.send_json({"type": "resume", "last": self.last_seq if last is None else last})
        await self._read_until(lambda data: data.get("type") == "resumed")  # however slow
        await self.settle()

    async def disconnect(self) -> None:
        """Drop the connection (a phone going through a tunnel)."""
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def settle(self, quiet_s: float = 0.15) -> None:
        """Read whatever the server sends until it has been quiet for a moment."""
        assert self.ws is not None
        while True:
            try:
                frame = await self.ws.receive(timeout=quiet_s)
            except TimeoutError:
                return
            if frame.type != WSMsgType.TEXT:
                return
            self._take(frame.json())

    async def send(self, message: dict[str, Any], client_id: str | None = None) -> str:
        """Send a page message and read until the server acknowledges it; its id."""
        assert self.ws is not None
        client_id = client_id or uuid.uuid4().hex
        await self.ws.send_json({**message, "id": client_id})
        ack = await self._read_until(
            lambda data: data.get("type") == "ack" and data.get("id") == client_id
        )
        assert "error" not in ack, ack
        await self.settle(0.05)
        return client_id

    async def _read_until(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Take the server's frames up to the first one ``wanted``; that frame."""
        assert self.ws is not None
        while True:
            frame = await self.ws.receive(timeout=30)
            assert frame.type == WSMsgType.TEXT, frame
            data = frame.json()
            self._take(data)
            if wanted(data):
                return data

    async def send_photo(
        self,
        data: bytes,
        caption: str = "",
        *,
        filename: str = "photo.jpg",
        client_id: str | None = None,
        reply_to: int | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Pick a file with the photo button (the page POSTs it); the answer, then the pushes."""
        form = FormData()
        form.add_field("id", client_id or uuid.uuid4().hex)
        form.add_field("caption", caption)
        if reply_to is not None:
            form.add_field("reply_to", str(reply_to))
        form.add_field("photo", data, filename=filename, content_type="image/jpeg")
        response = await self.client.post("/chat/photo", data=form)
        answer = await response.json()
        if self.ws is not None:
            await self.settle(0.1)
        return response.status, answer

    async def say(self, text: str) -> None:
        """Type and send."""
        await self.send({"type": "text", "text": text})

    async def press(self, label_part: str) -> None:
        """Tap the newest button whose label contains ``label_part``."""
        seq, data = self.find_button(label_part)
        await self.send({"type": "button", "data": data, "ref": seq})

    async def tap_key(self, label_part: str) -> None:
        """Tap a big guided-mode key (it sends its label as text)."""
        assert self.keys, "no big keys shown"
        label = next(k for row in self.keys for k in row if label_part in k)
        await self.say(label)

    async def menu(self, section: str) -> None:
        """Tap the bottom bar."""
        await self.send({"type": "menu", "section": section})

    def find_button(self, label_part: str) -> tuple[int, str]:
        """(bubble number, data) of the newest button whose label contains ``label_part``."""
        for seq in reversed(self.order):
            for row in self.shown[seq].buttons:
                for button in row:
                    if label_part in button["label"]:
                        return seq, button["data"]
        raise LookupError(f"no button {label_part!r}; last: {self.last_text!r}")

    @property
    def last_text(self) -> str:
        """The newest bot bubble's text."""
        bots = [self.shown[s] for s in self.order if self.shown[s].kind != "me"]
        return bots[-1].text if bots else ""

    def texts(self) -> list[str]:
        """Every bubble's text, in order."""
        return [self.shown[s].text for s in self.order]

    def _take(self, data: dict[str, Any]) -> None:
        """Apply a server frame the way chat.js does (numbers already shown are dropped)."""
        self.frames.append(data)
        if data.get("type") != "messages":
            return
        for item in data["items"]:
            seq, kind, body = item["seq"], item["kind"], item["body"]
            self.received.append(seq)
            if seq <= self.last_seq:
                continue
            if kind == "edit":
                target = self.shown.get(body["target"])
                if target is not None:
                    target.text, target.buttons = body["text"], body["buttons"]
                self.shown[seq] = Shown(seq, kind, "", [], body)  # numbered, not a bubble
                continue
            if kind == "toast":
                self.toasts.append(body["text"])
                self.shown[seq] = Shown(seq, kind, "", [], body)
                continue
            text = body.get("text") or body.get("caption") or ""
            self.shown[seq] = Shown(seq, kind, text, body.get("buttons", []), body)
            self.order.append(seq)
            if "keyboard" in body:
                self.keys, self.ask_contact = body["keyboard"], body.get("ask_contact")
            elif body.get("remove_keyboard"):
                self.keys, self.ask_contact = None, None


@asynccontextmanager
async def serving(db: Database, ctx: WebContext | None = None) -> AsyncIterator[TestServer]:
    """The web chat on an application like ``linli serve`` makes, on a loopback port."""
    server = TestServer(await create_app(ctx or WebContext(db), [mount]))
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


async def demo_city(db: Database) -> None:
    """The demo city, its deals of today and COKE01."""
    async with db.uow() as uow:
        await load_demo(uow, uow.clock.now().date())
        await uow.commit()


def browser(server: TestServer, language: str = "en") -> ClientSession:
    """A fresh browser (its own cookie jar) speaking ``language``."""
    return ClientSession(
        base_url=str(server.make_url("/")),
        cookie_jar=CookieJar(unsafe=True),  # cookies of 127.0.0.1 kept, as a browser does
        headers={"Accept-Language": language},
    )


async def wait_for(page: Page, predicate: Any, timeout_s: float = 5.0) -> None:
    """Read the page's pushes until ``predicate(page)`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate(page):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not seen in time; page shows {page.texts()[-3:]}")
        await page.settle(0.1)
