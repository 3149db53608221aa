"""A fake Bot API server on loopback, for benchmarks of the real HTTP stack.

Run: ``python -m bench.fake_bot_server`` prints ``listening on PORT`` once bound to
127.0.0.1 (an ephemeral port) and answers every ``/bot<token>/<method>`` like the Bot API
would, with the same plausible results as the tests' recording request
(``tests.telegram.fake_bot_api.RecordingRequest.answer``). It runs in its own process,
as Telegram runs on its own machines, so its CPU is not charged to the bot measured.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.telegram.fake_bot_api import RecordingRequest


def decoded(form: dict[str, Any]) -> dict[str, Any]:
    """Form fields as the Bot API reads them: JSON objects and numbers decoded."""
    params: dict[str, Any] = {}
    for name, value in form.items():
        try:
            params[name] = json.loads(value)
        except (TypeError, ValueError):
            params[name] = value
    return params


def application() -> web.Application:
    """Every method answered at once, message ids counted per server."""
    answers = RecordingRequest()

    async def method(request: web.Request) -> web.Response:
        params = decoded(dict(await request.post()))
        result = answers.answer(request.match_info["method"], params)
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    return app


async def serve() -> None:
    """Bind, say where, serve until killed."""
    runner = web.AppRunner(application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on {port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
