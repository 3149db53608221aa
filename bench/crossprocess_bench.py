"""Cross-process delivery: a message written on one `linli serve` reaches a page on another.

Run: .venv/bin/python -m bench.crossprocess_bench [--customers 200] [--rate 20]
     [--seconds 30] [--server [URL]]

Two server processes (the web chat as ``linli serve`` mounts it) share a scratch
PostgreSQL database (``bench/common.py``: made on ``--server``, default
``LINLI_BENCH_DATABASE_URL`` or the local server, dropped after). The customers' pages
(each a browser with its own cookie and websocket) are spread over both, half on each.
At ``--rate`` messages a second (evenly spaced, open loop) process A writes a partner's
message (``WebChat.forward``, as a partner's answer relayed to a web customer) for a
customer whose page is open on process B; the figure is the time from the moment the
bench asked A to write (before the HTTP request to A) to the moment B's page has the
frame with it, so it includes A's request, the transcript append, the commit's NOTIFY,
B's read of the transcript and the websocket frame. Without LISTEN/NOTIFY the page
learned it from a poll (5 s before issue 17, 60 s now). Loopback only; bounded by
``--seconds``. Target: p99 < 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass, field

from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar, TCPConnector, WSMsgType, web

from bench.common import DEFAULT_PG, machine, percentile, scratch_postgres
from bench.webchat_bench import seed
from bench.webchat_bench import serve as serve_web_chat
from bench.webchat_bench import server_process as web_chat_process

# --- the server processes -------------------------------------------------------------


async def serve(url: str) -> None:
    """The web chat on a free loopback port, plus two bench routes; stop when stdin closes.

    ``GET /bench/whoami``: this browser's chat id. ``POST /bench/say``: write a partner's
    message to a chat (what a partner's answer does), answered once it is committed.
    """
    from bot.flows.replies import Forward
    from web.chat.identity import existing_identity
    from web.chat.routes import WEBCHAT
    from web.context import WebContext

    def bench_routes(app: web.Application, _ctx: WebContext) -> None:
        async def whoami(request: web.Request) -> web.Response:
            who = await existing_identity(request, app[WEBCHAT].db)
            assert who is not None
            return web.json_response({"chat_id": who.chat_id})

        async def say(request: web.Request) -> web.Response:
            body = await request.json()
            forward = Forward(channel="web", chat_id=body["chat_id"], text=body["text"])
            await app[WEBCHAT].forward(forward)
            return web.json_response({"ok": True})

        app.router.add_get("/bench/whoami", whoami)
        app.router.add_post("/bench/say", say)

    await serve_web_chat(url, [bench_routes])


# --- the pages ------------------------------------------------------------------------


@dataclass
class OpenPage:
    """One customer's page: its chat id, websocket, and when each awaited text arrived."""

    http: ClientSession
    chat_id: str = ""
    ws: ClientWebSocketResponse | None = None
    waiting: dict[str, float] = field(default_factory=dict)  # text -> when it was written
    latencies: list[float] = field(default_factory=list)

    async def open(self, port: int) -> None:
        await (await self.http.get(f"http://127.0.0.1:{port}/")).read()
        answer = await self.http.get(f"http://127.0.0.1:{port}/bench/whoami")
        self.chat_id = (await answer.json())["chat_id"]
        self.ws = await self.http.ws_connect(f"http://127.0.0.1:{port}/ws")
        await self.ws.send_json({"type": "resume", "last": 0})
        while True:
            frame = await self.ws.receive(timeout=30)
            if frame.type == WSMsgType.TEXT and frame.json().get("type") == "resumed":
                return

    async def read(self) -> None:
        """Take frames until closed; time each awaited text."""
        assert self.ws is not None
        async for frame in self.ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = frame.json()
            if data.get("type") != "messages":
                continue
            now = time.perf_counter()
            for item in data["items"]:
                written = self.waiting.pop(item["body"].get("text", ""), None)
                if written is not None:
                    self.latencies.append((now - written) * 1000)


async def run(customers: int, rate: float, seconds: float, server: str) -> None:
    """Seed, start both processes, open the pages, write at ``rate``, report."""
    print(f"machine: {machine()}")
    async with scratch_postgres(server) as url:
        await seed(url)
        with (
            web_chat_process(url, "bench.crossprocess_bench", "server") as port_a,
            web_chat_process(url, "bench.crossprocess_bench", "server") as port_b,
        ):
            connector = TCPConnector(limit=0)
            sessions = [
                ClientSession(
                    connector=connector, connector_owner=False, cookie_jar=CookieJar(unsafe=True)
                )
                for _ in range(customers)
            ]
            pages = [OpenPage(http) for http in sessions]
            try:
                started = time.perf_counter()
                for first in range(0, len(pages), 20):
                    await asyncio.gather(
                        *(
                            p.open(port_a if n % 2 == 0 else port_b)
                            for n, p in enumerate(pages[first : first + 20], start=first)
                        )
                    )
                print(
                    f"{customers} pages open, half on each process, in "
                    f"{time.perf_counter() - started:.1f} s"
                )
                readers = [asyncio.create_task(p.read()) for p in pages]
                on_b = pages[1::2]
                total = int(rate * seconds)
                writes = await write_at(port_a, on_b, rate, total)
                await asyncio.sleep(1.0)  # the last frames arrive
                for reader in readers:
                    reader.cancel()
                report(pages, total, writes, rate, seconds)
            finally:
                for page in pages:
                    if page.ws is not None:
                        await page.ws.close()
                for http in sessions:
                    await http.close()
                await connector.close()


async def write_at(port: int, targets: list[OpenPage], rate: float, total: int) -> float:
    """Ask process A to write ``total`` messages at ``rate``, to pages on process B."""
    gap = 1.0 / rate
    started = time.perf_counter()
    async with ClientSession() as http:

        async def one(n: int) -> None:
            page = targets[n % len(targets)]
            text = f"配送员：第 {n} 条，马上到"
            page.waiting[text] = time.perf_counter()
            answer = await http.post(
                f"http://127.0.0.1:{port}/bench/say", json={"chat_id": page.chat_id, "text": text}
            )
            answer.release()

        tasks = []
        for n in range(total):
            due = started + n * gap
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return time.perf_counter() - started


def report(pages: list[OpenPage], total: int, elapsed: float, rate: float, seconds: float) -> None:
    latencies = [ms for page in pages for ms in page.latencies]
    missing = sum(len(page.waiting) for page in pages)
    print(
        f"written on A for pages on B: {total} messages at {rate:.0f}/s over {elapsed:.1f} s "
        f"(asked for {seconds:.0f} s); reached the page: {len(latencies)}, missing: {missing}"
    )
    if latencies:
        print(
            f"write → page frame: p50 {percentile(latencies, 50):.1f} ms | "
            f"p95 {percentile(latencies, 95):.1f} ms | p99 {percentile(latencies, 99):.1f} ms | "
            f"max {max(latencies):.1f} ms (target p99 < 250 ms)"
        )


def main() -> None:
    """Parse arguments and run (or, with --serve, be a server process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s written on A")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--server",
        nargs="?",
        const=os.environ.get("LINLI_BENCH_DATABASE_URL", DEFAULT_PG),
        default=os.environ.get("LINLI_BENCH_DATABASE_URL", DEFAULT_PG),
        help="the PostgreSQL server to make the scratch database on (dropped after)",
    )
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    asyncio.run(run(args.customers, args.rate, min(args.seconds, 300.0), args.server))


if __name__ == "__main__":
    main()
