"""The real HTTP path of python-telegram-bot against ``bench.fake_bot_server``.

``LoopbackRequest`` sends every Bot API call through PTB's own ``HTTPXRequest`` to the
fake server on 127.0.0.1 and records it like the tests' ``RecordingRequest`` does, so
the simulated customers can read their chats. ``fake_bot_server()`` starts the server
in its own process and stops it on exit.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import HTTPXRequest, RequestData

from tests.telegram.fake_bot_api import Call, RecordingRequest, Shown


class ScreensOnly(RecordingRequest):
    """Keeps each chat's messages as the app would show them, not every call.

    A benchmark makes hundreds of thousands of calls: kept, they would grow the heap
    the bot's garbage collector scans and charge the bot with the harness's memory.
    """

    def __init__(self) -> None:
        super().__init__()
        self.screens: dict[int, dict[int, Shown]] = {}

    def _record(self, call: Call) -> None:
        """Apply a sent or edited message to its chat; forget the call."""
        if not isinstance(call.result, dict) or call.chat_id is None:
            return
        screens = self.screens.setdefault(call.chat_id, {})
        message_id = int(call.result["message_id"])
        if call.method in ("sendMessage", "sendPhoto"):
            screens[message_id] = Shown(message_id, call.text, call.buttons)
        elif call.method == "editMessageText" and message_id in screens:
            screens[message_id].text, screens[message_id].buttons = call.text, call.buttons

    def newest(self, chat_id: int) -> Shown | None:
        """The newest message in a chat."""
        screens = self.screens.get(chat_id)
        return screens[max(screens)] if screens else None


class LoopbackRequest(ScreensOnly):
    """Real HTTP to the fake server; each chat's screens kept from the server's answers."""

    def __init__(self, connections: int = 32) -> None:
        super().__init__()
        self._http = HTTPXRequest(connection_pool_size=connections)

    async def initialize(self) -> None:
        """Open the HTTP connection pool."""
        await self._http.initialize()

    async def shutdown(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.shutdown()

    async def do_request(  # noqa: PLR0917 - BaseRequest's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send over HTTP, then record (method, params, result)."""
        status, body = await self._http.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        params = dict(request_data.parameters) if request_data is not None else {}
        self._record(Call(url.rsplit("/", 1)[-1], params, json.loads(body).get("result")))
        return status, body


@asynccontextmanager
async def fake_bot_server() -> AsyncIterator[str]:
    """Run ``bench.fake_bot_server`` in a child process; yields its base URL."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.fake_bot_server", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        line = (await asyncio.wait_for(child.stdout.readline(), timeout=30)).decode()
        if not line.startswith("listening on "):
            raise RuntimeError(f"fake Bot API server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[-1])}"
    finally:
        child.terminate()
        await child.wait()
