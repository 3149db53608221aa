"""A fake Web Push service for the benches, in its own process on 127.0.0.1.

Run: python -m bench.fake_push_service [--port 0] [--check-every 1]
Prints ``listening on <port>`` once it takes requests. Like a real push service it
answers ``POST /push/<name>`` with 201; it opens every ``--check-every``-th push with the
browser's keys, as the browser would (RFC 8291, aes128gcm: ``tests/web/push_support.py``),
and counts those that do not decrypt to a notification. Every subscription of the bench
shares the one ``BrowserKeys`` this process made (``GET /keys``: the keys a page would
send); the sender still encrypts each push to them afresh (a new ephemeral key a push).

``GET /stats`` (``?reset=1`` forgets them): pushes taken, distinct endpoints, endpoints
pushed more than once, pushes that did not decrypt, one decrypted body, and the wall-clock
(``time.time()``) of the first and the last push.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.web.push_support import BrowserKeys, Received

KEYS = web.AppKey("keys", BrowserKeys)


class Tally:
    """What arrived so far."""

    def __init__(self, check_every: int) -> None:
        self.check_every = check_every
        self.reset()

    def reset(self) -> None:
        self.by_name: Counter[str] = Counter()
        self.taken = 0
        self.undecryptable = 0
        self.sample: dict[str, Any] | None = None
        self.first_at: float | None = None
        self.last_at: float | None = None

    def stats(self) -> dict[str, Any]:
        return {
            "taken": self.taken,
            "endpoints": len(self.by_name),
            "repeated": sum(1 for n in self.by_name.values() if n > 1),
            "undecryptable": self.undecryptable,
            "sample": self.sample,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


TALLY = web.AppKey("tally", Tally)


async def take(request: web.Request) -> web.Response:
    """One push: counted, and opened like the browser would (every ``check_every``-th)."""
    tally = request.app[TALLY]
    body = await request.read()
    name = request.match_info["name"]
    tally.taken += 1
    tally.by_name[name] += 1
    if tally.check_every and tally.taken % tally.check_every == 0:
        try:
            shown = request.app[KEYS].decrypt(Received(request.path, dict(request.headers), body))
            if not shown.get("body") or not request.headers.get("Authorization", "").startswith(
                "vapid t="
            ):
                raise ValueError("no text or no VAPID")
            tally.sample = shown
        except Exception:
            tally.undecryptable += 1
    now = time.time()
    tally.first_at = tally.first_at or now
    tally.last_at = now
    return web.Response(status=201)


async def stats(request: web.Request) -> web.Response:
    tally = request.app[TALLY]
    answer = tally.stats()
    if request.query.get("reset"):
        tally.reset()
    return web.json_response(answer)


async def keys(request: web.Request) -> web.Response:
    """The subscription keys (``PushSubscription.toJSON()['keys']``) every endpoint uses."""
    return web.json_response(request.app[KEYS].subscription("")["keys"])


async def serve(port: int, check_every: int) -> None:
    app = web.Application()
    app[KEYS] = BrowserKeys()
    app[TALLY] = Tally(check_every)
    app.router.add_post("/push/{name}", take)
    app.router.add_get("/stats", stats)
    app.router.add_get("/keys", keys)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--check-every", type=int, default=1, help="decrypt every n-th push")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.check_every))


if __name__ == "__main__":
    main()
