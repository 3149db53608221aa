"""The web chat under 200 concurrent websocket customers doing the browse/cart workload.

Run: .venv/bin/python -m bench.webchat_bench [--customers 200] [--rate N] [--server [URL]]

The aiohttp application (``web.app.create_app`` with ``web.chat.mount``, as ``linli serve``
mounts it) runs in its own process on 127.0.0.1 on a SQLite database seeded with the demo
city (or a scratch PostgreSQL database on ``--server``). This process plays the
customers: each is a browser with its own cookie that scans a leaflet link (``/c/…``),
answers the welcome questions (not measured), then, over its websocket, taps through
the same workload as bench/telegram_bench.py: an aisle and two products, the deals zone,
a search, the cart and checkout (the partner gets a ping). Every page message is timed
from sending to the server's acknowledgement, which comes after every reply of it has
been written to the transcript and pushed to the page. Customers tap back to back, so
this is the ceiling; latency there is queueing behind the other customers. ``--rate N``:
all customers together offer N messages/s (jittered) and latency counts from when each
tap was due, the figure for people tapping at human speed. The server
process stops when this one closes its stdin (or ends).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar, TCPConnector, WSMsgType, web
from sqlalchemy import func, select, update

from bench.common import (
    DEFAULT_PG,
    is_aisle,
    is_product,
    listening_port,
    machine,
    percentile,
    scratch_postgres,
    wait_turn,
)
from core.demo.loader import load_demo
from core.models import Base, Order, Partner
from core.people.invites import invite_link_payload
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEARCHES = ("kl", "niunai", "dm", "可乐", "鸡蛋", "pg", "mian")
PARTNER_TELEGRAM_IDS = 880_000


def _clock() -> FixedClock:
    """Today at 10:00 in Shanghai: before the cutoff, so checkouts deliver tonight."""
    today = dt.datetime.now(SHANGHAI).date()
    return FixedClock(dt.datetime.combine(today, dt.time(10, 0), tzinfo=SHANGHAI))


async def _database(url: str) -> Database:
    """A Database on ``url`` with the bench clock."""
    return Database(create_engine(url), Settings(database_url=url), _clock())


# --- the server process ---------------------------------------------------------------


async def serve(url: str, mounts: Sequence[Any] = ()) -> None:
    """Serve the web chat (plus ``mounts``) on a free loopback port; print it; stop when
    stdin closes."""
    from web.app import create_app
    from web.chat import mount
    from web.context import WebContext

    db = await _database(url)
    app = await create_app(WebContext(db), [mount, *mounts])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"listening on {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # returns when the parent goes
    await runner.cleanup()
    await db.dispose()


@contextmanager
def server_process(
    url: str, module: str = "bench.webchat_bench", what: str = "web chat"
) -> Iterator[int]:
    """``python -m module --serve url`` (the web chat) in its own process; its port."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--serve", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        yield listening_port(process, what)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(10)


# --- the simulated customer -----------------------------------------------------------


@dataclass
class Customer:
    """One browser: its cookie, websocket and the page's bubbles (buttons by bubble)."""

    http: ClientSession
    rng: random.Random
    latencies: list[float]
    ws: ClientWebSocketResponse | None = None
    bubbles: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    last: int = 0
    misses: int = 0
    measuring: bool = False
    gap_s: float = 0.0  # open loop: seconds between this customer's taps (0: back to back)
    _due: float = 0.0

    async def open(self, path: str) -> None:
        """Load a page (the leaflet link), then open the websocket from the start."""
        async with self.http.get(path) as response:
            await response.read()
        self.ws = await self.http.ws_connect("/ws")
        await self.ws.send_json({"type": "resume", "last": 0})

    async def send(self, message: dict[str, Any]) -> None:
        """One page message, timed until its acknowledgement."""
        assert self.ws is not None
        client_id = uuid.uuid4().hex
        started = time.perf_counter()
        if self.measuring and self.gap_s:
            self._due = await wait_turn(self._due, self.gap_s, self.rng)
            started = self._due  # latency counts from when the tap was due
        await self.ws.send_json({**message, "id": client_id})
        while True:
            frame = await self.ws.receive(timeout=120)
            if frame.type != WSMsgType.TEXT:
                raise RuntimeError(f"websocket ended: {frame}")
            data = frame.json()
            if data.get("type") == "messages":
                self._take(data["items"])
            elif data.get("type") == "ack" and data.get("id") == client_id:
                break
        if self.measuring:
            self.latencies.append((time.perf_counter() - started) * 1000)

    def _take(self, items: list[dict[str, Any]]) -> None:
        """Keep each bubble's buttons (edits rewrite them), newest bubble last."""
        for item in items:
            if item["seq"] <= self.last:
                continue
            self.last = item["seq"]
            body = item["body"]
            buttons = [(b["label"], b["data"]) for row in body.get("buttons", []) for b in row]
            if item["kind"] == "edit":
                self.bubbles[body["target"]] = buttons
            elif item["kind"] == "say":
                self.bubbles[item["seq"]] = buttons

    async def text(self, text: str) -> None:
        """Type a message."""
        await self.send({"type": "text", "text": text})

    async def press(self, label_part: str) -> None:
        """Tap the newest button whose label contains ``label_part``."""
        await self.press_where(lambda label: label_part in label)

    async def press_where(self, wanted: Callable[[str], bool]) -> None:
        """Tap a random button of the newest bubble that has one ``wanted`` accepts."""
        for seq in sorted(self.bubbles, reverse=True):
            choices = [(label, data) for label, data in self.bubbles[seq] if wanted(label)]
            if choices:
                _label, data = self.rng.choice(choices)
                await self.send({"type": "button", "data": data, "ref": seq})
                return
        self.misses += 1


async def onboard(c: Customer, invite: str, n: int) -> None:
    """Scan a leaflet, give a room and a phone, choose English, skip the household."""
    await c.open(f"/c/{invite}")
    await c.text(str(101 + n))
    await c.send({"type": "contact", "phone": f"139{n:08d}"})
    await c.press("English")
    await c.press("Skip")


async def browse(c: Customer) -> None:
    """Aisle → product → add two → back → another product → add one."""
    await c.send({"type": "menu", "section": "shop"})
    await c.press_where(is_aisle)
    await c.press_where(is_product)
    await c.press("+")
    await c.press("+")
    await c.press("Back to list")
    await c.press_where(is_product)
    await c.press("+")


async def deals(c: Customer) -> None:
    """Today's deals → a deal → add it."""
    await c.send({"type": "menu", "section": "deals"})
    await c.press_where(is_product)
    await c.press("+")


async def search(c: Customer) -> None:
    """Search by pinyin initials or Chinese → a result → add it."""
    await c.send({"type": "menu", "section": "more"})
    await c.press("Search")
    await c.text(c.rng.choice(SEARCHES))
    await c.press_where(is_product)
    await c.press("+")


async def checkout(c: Customer) -> None:
    """Cart → checkout → address is right → confirm (the partner gets a ping)."""
    await c.send({"type": "menu", "section": "cart"})
    await c.press("Checkout")
    await c.press("Correct")
    await c.press("Confirm order")


WORKLOAD: tuple[Callable[[Customer], Awaitable[None]], ...] = (browse, deals, search, checkout)


# --- set-up and report ----------------------------------------------------------------


async def seed(url: str) -> list[str]:
    """The demo city with partners reachable on Telegram; the leaflet payloads."""
    db = await _database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with db.uow() as uow:
        await load_demo(uow, db.clock.now().astimezone(SHANGHAI).date())
        await uow.session.execute(
            update(Partner).values(telegram_id=PARTNER_TELEGRAM_IDS + Partner.id)
        )
        partners = list(await uow.session.scalars(select(Partner).where(Partner.active)))
        await uow.commit()
    await db.dispose()
    return [invite_link_payload(p.invite_code, 1) for p in partners]


async def orders_in(url: str) -> int:
    """Orders placed in the run."""
    db = await _database(url)
    async with db.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(Order))
    await db.dispose()
    return int(count or 0)


async def customers_run(
    port: int, invites: list[str], customers: int, rounds: int, rate: float
) -> None:
    """Onboard everyone, then everyone shops at once; print the figures."""
    latencies: list[float] = []
    connector = TCPConnector(limit=0)
    sessions: list[ClientSession] = []
    people: list[Customer] = []
    for n in range(customers):
        http = ClientSession(
            base_url=f"http://127.0.0.1:{port}",
            cookie_jar=CookieJar(unsafe=True),
            headers={"Accept-Language": "en"},
            connector=connector,
            connector_owner=False,
        )
        sessions.append(http)
        gap_s = customers / rate if rate else 0.0
        people.append(Customer(http, random.Random(n), latencies, gap_s=gap_s))
    try:
        started = time.perf_counter()
        await asyncio.gather(
            *(onboard(c, invites[n % len(invites)], n) for n, c in enumerate(people))
        )
        onboarding_s = time.perf_counter() - started

        async def shop(c: Customer) -> None:
            c.measuring = True
            for _ in range(rounds):
                for step in WORKLOAD:
                    await step(c)

        started = time.perf_counter()
        await asyncio.gather(*(shop(c) for c in people))
        elapsed = time.perf_counter() - started
    finally:
        for c in people:
            if c.ws is not None:
                await c.ws.close()
        for http in sessions:
            await http.close()
        await connector.close()
    print(f"onboarding (not measured): {customers} customers in {onboarding_s:.1f} s")
    print(
        f"shopping: {len(latencies)} page messages in {elapsed:.2f} s = "
        f"{len(latencies) / elapsed:.0f} messages/s | p50 {percentile(latencies, 50):.1f} ms"
        f" | p95 {percentile(latencies, 95):.1f} ms | p99 {percentile(latencies, 99):.1f} ms"
        f" | buttons not found: {sum(c.misses for c in people)}"
    )


async def run(customers: int, rounds: int, rate: float, server: str | None) -> None:
    """Seed, start the server process, run the customers, report."""
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        async with _database_url(folder, server) as url:
            invites = await seed(url)
            with server_process(url) as port:
                print(
                    f"{customers} websocket customers, {rounds} round(s) of "
                    f"{'/'.join(s.__name__ for s in WORKLOAD)}, "
                    f"{f'{rate:.0f} messages/s offered' if rate else 'back to back'}, "
                    f"{'PostgreSQL' if server else 'SQLite'}, server in its own process"
                )
                await customers_run(port, invites, customers, rounds, rate)
            print(f"orders placed: {await orders_in(url)}")


@asynccontextmanager
async def _database_url(folder: str, server: str | None) -> AsyncIterator[str]:
    """A SQLite file in ``folder``, or a scratch PostgreSQL database on ``server``."""
    if server is None:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'webchat-bench.sqlite3'}"
        return
    async with scratch_postgres(server) as url:
        yield url


def main() -> None:
    """Parse arguments and run (or, with --serve, be the server process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="sessions per customer")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="messages/s offered by all customers (0: ceiling)"
    )
    parser.add_argument(
        "--server",
        nargs="?",
        const=os.environ.get("LINLI_BENCH_DATABASE_URL", DEFAULT_PG),
        default=None,
        help="run on a scratch database of this PostgreSQL server (dropped after)",
    )
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    asyncio.run(run(args.customers, args.rounds, args.rate, args.server))


if __name__ == "__main__":
    main()
