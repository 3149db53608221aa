"""A fake Bot API on loopback that enforces Telegram's limits, for the outbox's tests and bench.

``LimitedBotApi`` serves ``/bot<token>/<method>`` on 127.0.0.1 (an ephemeral port) with
the plausible answers of ``tests.telegram.fake_bot_api.RecordingRequest.answer`` and:

- a global token bucket of ``rate`` calls a second (a burst of one second's worth at
  most, like Telegram's "about 30 messages per second"), and one message per chat per
  ``per_chat_interval_s``; beyond either it answers 429 with ``parameters.retry_after``;
- ``flood_after=N``: the (N+1)-th message is answered 429 with ``flood_retry_after``,
  and so is every call in the following ``flood_retry_after`` seconds (Telegram keeps
  refusing until the wait is over);
- 403 for the chat ids in ``forbidden``, 400 for those in ``bad``.

It records every delivered message per chat (``delivered``), every 429 (``rejections``)
and when each call arrived. In tests it runs on the test's event loop
(``async with LimitedBotApi(...) as api``); the benchmark runs it in its own process:
``python -m tests.telegram.limited_bot_api --rate 30`` prints ``listening on PORT`` and
answers ``GET /stats`` with its counts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from bench.fake_bot_server import decoded
from tests.telegram.fake_bot_api import TOKEN, RecordingRequest

LIMITED = ("sendMessage", "sendPhoto", "editMessageText", "sendDocument")
SENDS = ("sendMessage", "sendPhoto", "sendDocument")


@dataclass(frozen=True)
class Arrival:
    """One call as the server saw it."""

    at: float  # the server's loop time
    method: str
    chat_id: int | None
    status: int
    text: str = ""


@dataclass
class LimitedBotApi:
    """The server, its limits and what it saw."""

    rate: float = 30.0
    per_chat_interval_s: float = 1.0
    forbidden: set[int] = field(default_factory=set)
    bad: set[int] = field(default_factory=set)
    flood_after: int | None = None
    flood_retry_after: int = 1
    port: int = 0
    delivered: dict[int, list[str]] = field(default_factory=dict)
    arrivals: list[Arrival] = field(default_factory=list)
    rejections: list[Arrival] = field(default_factory=list)
    edits: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # message id → (chat, text as shown now: edits applied)
    messages: dict[int, tuple[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._answers = RecordingRequest()
        self._message_ids = itertools.count(1)
        self._tokens = self.rate
        self._filled_at: float | None = None
        self._chat_last: dict[int, float] = {}
        self._flood_until = 0.0
        self._flooded = False
        self._sent = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The base URL for ``telegram.Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Bind an ephemeral port on loopback."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LimitedBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------ what it saw

    def copies(self, chat_id: int) -> int:
        """How many messages reached ``chat_id``."""
        return len(self.delivered.get(chat_id, []))

    @property
    def sent_count(self) -> int:
        """Messages delivered so far."""
        return self._sent

    def screen(self, chat_id: int) -> list[str]:
        """The chat as the person's app shows it: every message, edits applied."""
        return [text for chat, text in self.messages.values() if chat == chat_id]

    def sends(self) -> list[Arrival]:
        """Delivered messages in arrival order."""
        return [a for a in self.arrivals if a.method in SENDS and a.status == 200]

    def stats(self) -> dict[str, Any]:
        """Counts for the benchmark (its server runs in another process)."""
        sends = self.sends()
        return {
            "delivered": sum(len(texts) for texts in self.delivered.values()),
            "chats": len(self.delivered),
            "duplicates": sum(max(0, len(t) - 1) for t in self.delivered.values()),
            "copies": {str(chat): len(texts) for chat, texts in self.delivered.items()},
            "rejections": len(self.rejections),
            "first_at": sends[0].at if sends else None,
            "last_at": sends[-1].at if sends else None,
        }

    def reset(self) -> None:
        """Forget what was seen (between benchmark rounds)."""
        self.delivered.clear()
        self.arrivals.clear()
        self.rejections.clear()
        self.edits.clear()
        self.messages.clear()

    # ------------------------------------------------------------ serving

    async def _stats(self, _request: web.Request) -> web.Response:
        """GET /stats (and ?reset=1 to start a new round)."""
        body = self.stats()
        if _request.query.get("reset"):
            self.reset()
        return web.json_response(body)

    async def _method(self, request: web.Request) -> web.Response:
        """Answer one Bot API call, or refuse it as Telegram would."""
        method = request.match_info["method"]
        params = decoded(dict(await request.post()))
        now = asyncio.get_running_loop().time()
        chat = int(params["chat_id"]) if "chat_id" in params else None
        text = str(params.get("text") or params.get("caption") or "")
        if method in LIMITED:
            refusal = self._refusal(method, chat, now)
            if refusal is not None:
                status, body = refusal
                arrival = Arrival(now, method, chat, status, text)
                self.arrivals.append(arrival)
                if status == 429:
                    self.rejections.append(arrival)
                return web.json_response(body, status=status)
        result = self._answers.answer(method, params)
        if method in SENDS and isinstance(result, dict):
            result["message_id"] = next(self._message_ids)
            self.messages[result["message_id"]] = (chat or 0, text)
            self.delivered.setdefault(chat or 0, []).append(text)
            self._sent += 1
        if method == "editMessageText" and chat is not None:
            self.edits.setdefault((chat, int(params["message_id"])), []).append(text)
            self.messages[int(params["message_id"])] = (chat, text)
        self.arrivals.append(Arrival(now, method, chat, 200, text))
        return web.json_response({"ok": True, "result": result})

    def _refusal(self, method: str, chat: int | None, now: float) -> tuple[int, Any] | None:
        """(status, body) when this call is refused; the limits are checked in Telegram's order."""
        if now < self._flood_until:
            return 429, _too_many(math.ceil(self._flood_until - now))
        if chat is not None and chat in self.forbidden:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        if chat is not None and chat in self.bad:
            return 400, _error(400, "Bad Request: chat not found")
        if (
            self.flood_after is not None
            and not self._flooded
            and method in SENDS
            and self._sent >= self.flood_after
        ):
            self._flooded = True
            self._flood_until = now + self.flood_retry_after
            return 429, _too_many(self.flood_retry_after)
        self._refill(now)
        if self._tokens < 1:
            return 429, _too_many(1)
        if chat is not None:
            last = self._chat_last.get(chat)
            if last is not None and now - last < self.per_chat_interval_s:
                return 429, _too_many(math.ceil(self.per_chat_interval_s - (now - last)))
            self._chat_last[chat] = now
        self._tokens -= 1
        return None

    def _refill(self, now: float) -> None:
        """The bucket refills at ``rate`` a second, up to one second's worth."""
        if self._filled_at is not None:
            self._tokens = min(self.rate, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now


def _error(code: int, description: str) -> dict[str, Any]:
    """The Bot API's error body."""
    return {"ok": False, "error_code": code, "description": description}


def _too_many(seconds: int) -> dict[str, Any]:
    """429 with the wait Telegram asks for."""
    seconds = max(1, int(seconds))
    body = _error(429, f"Too Many Requests: retry after {seconds}")
    body["parameters"] = {"retry_after": seconds}
    return body


def chat_ids(values: Iterable[str]) -> set[int]:
    """Comma-separated ids from the command line."""
    return {int(v) for value in values for v in value.split(",") if v.strip()}


async def serve(args: argparse.Namespace) -> None:
    """Bind, say where, serve until killed (the benchmark's server process)."""
    api = LimitedBotApi(
        rate=args.rate,
        per_chat_interval_s=args.per_chat,
        forbidden=chat_ids(args.forbidden),
        bad=chat_ids(args.bad),
    )
    await api.start()
    print(f"listening on {api.port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """``python -m tests.telegram.limited_bot_api --rate 30``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--per-chat", type=float, default=1.0)
    parser.add_argument("--forbidden", action="append", default=[])
    parser.add_argument("--bad", action="append", default=[])
    asyncio.run(serve(parser.parse_args()))


__all__ = ["TOKEN", "Arrival", "LimitedBotApi"]

if __name__ == "__main__":
    main()
