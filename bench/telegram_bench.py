"""The Telegram storefront through the real python-telegram-bot stack, next to a bare echo bot.

Run: .venv/bin/python -m bench.telegram_bench [--customers 100] [--rounds 1] [--rate 0]
Target (issue 3): the storefront sustains >= 50% of the echo bot's updates/s and its p99
stays under 50 ms.

Both bots are real ``telegram.ext.Application`` objects on a recording ``BaseRequest``
(tests/telegram/fake_bot_api.py: no network, every Bot API call answered at once) and
every update goes through ``Application.process_update``. The storefront runs on a
SQLite database seeded with the demo city (``core.demo.loader.load_demo``); 100 bound
customers shop at once, each a scripted mix of browsing aisles, the deals zone, search,
the cart and checkout (``WORKLOAD``; add a step function there to extend it). The echo
bot then replays exactly the same updates, customer by customer with the same
concurrency, answering each with ``send_message`` of its text (and answering presses).

``--rate 0`` (default): customers tap back to back, which measures the ceiling; latency
is then mostly queueing behind the other 99 customers. ``--rate N``: all customers
together offer N updates/s (each taps at jittered intervals) and latency counts from
when a tap was due, the meaningful latency figure for people tapping at human speed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bench.common import is_aisle, is_product, machine, percentile, wait_turn
from bench.loopback import LoopbackRequest, ScreensOnly, fake_bot_server
from bot.handlers.telegram import (
    CONCURRENCY,
    SQLITE_CONCURRENCY,
    PerChatUpdateProcessor,
    build_application,
)
from core.demo.loader import load_demo
from core.models import Base, Building, Order, Partner, Unit
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.platform import heap
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.telegram.fake_bot_api import (
    TOKEN,
    Person,
    message_update,
    press_update,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEARCHES = ("kl", "niunai", "dm", "可乐", "鸡蛋", "pg", "mian")
PARTNER_TELEGRAM_IDS = 880_000  # demo partners get ids from here so order pings go out


# --- the simulated customer -----------------------------------------------------------


@dataclass
class Shopper:
    """One customer tapping through the storefront; records every update it sent."""

    app: Application
    who: Person
    rng: random.Random
    latencies: list[float]
    gap_s: float = 0.0
    sent: list[dict[str, Any]] = field(default_factory=list)
    misses: int = 0
    _due: float = 0.0

    async def text(self, text: str) -> None:
        """Type a message."""
        await self._deliver(message_update(self._request, self.who, text=text))

    async def press(self, label_part: str) -> None:
        """Tap the button on the newest screen whose label contains ``label_part``."""
        await self.press_where(lambda label: label_part in label)

    async def press_where(self, wanted: Callable[[str], bool]) -> None:
        """Tap a random button on the newest screen whose label ``wanted`` accepts."""
        newest = self._request.newest(self.who.id)
        choices = [(label, d) for label, d in newest.buttons if wanted(label)] if newest else []
        if newest is None or not choices:
            self.misses += 1
            return
        _label, data = self.rng.choice(choices)
        await self._deliver(press_update(self._request, self.who, data, newest.message_id))

    @property
    def _request(self) -> ScreensOnly:
        """The storefront's request, which keeps every chat's screens."""
        request = self.app.bot.request
        assert isinstance(request, ScreensOnly)
        return request

    async def _deliver(self, raw: dict[str, Any]) -> None:
        """Run one update, timing it from when it was due (open loop) or sent (closed)."""
        self.sent.append(raw)
        self._due = await wait_turn(self._due, self.gap_s, self.rng)
        started = self._due if self.gap_s else time.perf_counter()
        await through_processor(self.app, Update.de_json(raw, self.app.bot))
        self.latencies.append((time.perf_counter() - started) * 1000)


async def through_processor(app: Application, update: Update) -> None:
    """What polling does with each fetched update: the update processor, then process_update."""
    await app.update_processor.process_update(update, app.process_update(update))


# --- the workload: one session per customer per round ---------------------------------


async def browse(s: Shopper) -> None:
    """Aisle → product → add two → back → another product → add one."""
    await s.text("/menu")
    await s.press("Shop")
    await s.press_where(is_aisle)
    await s.press_where(is_product)
    await s.press("+")
    await s.press("+")
    await s.press("Back to list")
    await s.press_where(is_product)
    await s.press("+")


async def deals(s: Shopper) -> None:
    """Today's deals → a deal → add it."""
    await s.text("/menu")
    await s.press("Deals")
    await s.press_where(is_product)
    await s.press("+")


async def search(s: Shopper) -> None:
    """Search by pinyin initials or Chinese → a result → add it."""
    await s.text("/menu")
    await s.press("Search")
    await s.text(s.rng.choice(SEARCHES))
    await s.press_where(is_product)
    await s.press("+")


async def checkout(s: Shopper) -> None:
    """Cart → checkout → address is right → confirm (the partner gets a ping)."""
    await s.text("/menu")
    await s.press("Cart")
    await s.press("Checkout")
    await s.press("Correct")
    await s.press("Confirm order")


WORKLOAD: tuple[Callable[[Shopper], Awaitable[None]], ...] = (browse, deals, search, checkout)


async def session(s: Shopper, rounds: int) -> None:
    """One customer's visits."""
    for _ in range(rounds):
        for step in WORKLOAD:
            await step(s)


# --- the echo bot ---------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bare minimum bot: say the text (or the pressed button's data) back."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "")  # type: ignore[union-attr]
        return
    message = update.effective_message
    if message is not None:
        await context.bot.send_message(message.chat_id, message.text or "…")


async def replay(
    app: Application, streams: list[list[dict[str, Any]]], gap_s: float
) -> list[float]:
    """Every customer's recorded updates through ``app``, customers concurrently."""
    latencies: list[float] = []

    async def one(stream: list[dict[str, Any]], seed: int) -> None:
        rng, due = random.Random(seed), 0.0
        for raw in stream:
            due = await wait_turn(due, gap_s, rng)
            started = due if gap_s else time.perf_counter()
            await through_processor(app, Update.de_json(raw, app.bot))
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one(stream, n) for n, stream in enumerate(streams)))
    return latencies


# --- set-up and report ----------------------------------------------------------------


async def seeded_database(folder: Path, customers: int) -> tuple[Database, list[Person]]:
    """The demo city on SQLite, partners reachable on Telegram, ``customers`` bound shoppers."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    today = dt.datetime.now(SHANGHAI).date()
    clock = FixedClock(dt.datetime.combine(today, dt.time(10, 0), tzinfo=SHANGHAI))
    db = Database(engine, Settings(database_url=url), clock)
    async with db.uow() as uow:
        await load_demo(uow, today)
        await uow.session.execute(
            update(Partner).values(telegram_id=PARTNER_TELEGRAM_IDS + Partner.id)
        )
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.id)))
        people = []
        for n in range(customers):
            unit = units[n % len(units)]
            who = Person(10_000 + n, f"Shopper {n}", language_code="en")  # labels to match
            customer = await customer_for_identity(uow, "telegram", str(who.id), locale="en")
            partner = await uow.session.scalar(select(Partner).where(Partner.unit_id == unit.id))
            await bind_to_unit(uow, customer, unit_id=unit.id, partner=partner)
            building = await uow.session.scalar(
                select(Building.id).where(Building.unit_id == unit.id).limit(1)
            )
            await set_address(uow, customer, building_id=building, room=str(101 + n))
            await set_phone(uow, customer, f"139{n:08d}")
            people.append(who)
        await uow.commit()
    return db, people


def requests_for(api: str | None) -> tuple[ScreensOnly, ScreensOnly]:
    """(calls, getUpdates) requests: HTTP to the fake server at ``api``, else in-process."""
    if api:
        return LoopbackRequest(), LoopbackRequest(connections=1)
    return ScreensOnly(), ScreensOnly()


async def storefront_run(
    db: Database,
    *,
    people: list[Person],
    rounds: int,
    gap_s: float,
    concurrency: int | None,
    api: str | None,
) -> tuple[list[float], float, list[list[dict[str, Any]]], int]:
    """All customers shop at once; latencies, elapsed seconds, their updates, misses."""
    calls, polls = requests_for(api)
    app = build_application(
        db,
        TOKEN,
        api_url=api,
        request=calls,
        get_updates_request=polls,
        concurrent_updates=concurrency,
    )
    async with app:
        latencies: list[float] = []
        shoppers = [
            Shopper(app, who, random.Random(who.id), latencies, gap_s=gap_s) for who in people
        ]
        started = time.perf_counter()
        await asyncio.gather(*(session(s, rounds) for s in shoppers))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, [s.sent for s in shoppers], sum(s.misses for s in shoppers)


async def echo_run(
    streams: list[list[dict[str, Any]]], gap_s: float, concurrency: int, api: str | None
) -> tuple[list[float], float]:
    """The same updates through a bare echo Application on the same kind of request."""
    calls, polls = requests_for(api)
    builder = Application.builder().token(TOKEN)
    if api:
        builder = builder.base_url(f"{api}/bot")
    app = (
        builder.request(calls)
        .get_updates_request(polls)
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        .build()
    )
    app.add_handler(TypeHandler(Update, echo))
    async with app:
        started = time.perf_counter()
        latencies = await replay(app, streams, gap_s)
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def line(name: str, latencies: list[float], elapsed: float) -> str:
    """One result row."""
    return (
        f"{name:<11} {len(latencies):>6} updates in {elapsed:6.2f} s = "
        f"{len(latencies) / elapsed:7.0f} updates/s | p50 {percentile(latencies, 50):6.1f} ms"
        f" | p95 {percentile(latencies, 95):6.1f} ms | p99 {percentile(latencies, 99):6.1f} ms"
    )


@dataclass
class Figures:
    """One harness's measurements: storefront and echo on the same updates."""

    store: tuple[list[float], float]
    echo: tuple[list[float], float]
    misses: int

    @property
    def ratio(self) -> float:
        """Storefront throughput as a share of the echo's."""
        (store_lat, store_s), (echo_lat, echo_s) = self.store, self.echo
        return (len(store_lat) / store_s) / (len(echo_lat) / echo_s)

    def report(self, title: str) -> None:
        """Print both rows and the throughput ratio."""
        (store_lat, store_s), (echo_lat, echo_s) = self.store, self.echo
        print(title)
        print(line("storefront", store_lat, store_s))
        print(line("echo", echo_lat, echo_s))
        print(f"storefront / echo throughput: {self.ratio:.1%}; buttons not found: {self.misses}")


async def measure(
    db: Database,
    *,
    people: list[Person],
    rounds: int,
    gap_s: float,
    concurrency: int,
    api: str | None,
) -> Figures:
    """Warm up on the spare customers, then storefront and echo on the measured ones."""
    warm, measured = people[-10:], people[:-10]
    _lat, _el, warm_streams, _m = await storefront_run(
        db, people=warm, rounds=1, gap_s=0.0, concurrency=concurrency, api=api
    )
    await echo_run(warm_streams, 0.0, concurrency, api)
    store_lat, store_s, streams, misses = await storefront_run(
        db, people=measured, rounds=rounds, gap_s=gap_s, concurrency=concurrency, api=api
    )
    echo = await echo_run(streams, gap_s, concurrency, api)
    return Figures((store_lat, store_s), echo, misses)


async def run(  # noqa: PLR0917 - the command line's options
    customers: int, rounds: int, rate: float, concurrency: int | None, harness: str, repeat: int
) -> None:
    """Seed, measure on each harness ``repeat`` times (storefront then echo, alternating,
    so slow drift of this shared machine hits both), print each pair and the median."""
    gap_s = customers / rate if rate else 0.0
    results: list[tuple[str, Figures]] = []
    with tempfile.TemporaryDirectory() as folder:
        db, people = await seeded_database(Path(folder), 2 * (customers + 10))
        if concurrency is None:
            concurrency = SQLITE_CONCURRENCY if db.is_sqlite else CONCURRENCY
        heap.settle()  # as `linli bot` does once it serves
        half = customers + 10
        if harness in ("http", "both"):
            async with fake_bot_server() as api:
                for n in range(repeat):
                    figures = await measure(
                        db,
                        people=people[:half],
                        rounds=rounds,
                        gap_s=gap_s,
                        concurrency=concurrency,
                        api=api,
                    )
                    results.append((f"Bot API over loopback HTTP, run {n + 1}", figures))
        if harness in ("recording", "both"):
            for n in range(repeat):
                figures = await measure(
                    db,
                    people=people[half:],
                    rounds=rounds,
                    gap_s=gap_s,
                    concurrency=concurrency,
                    api=None,
                )
                results.append((f"recording request (no HTTP at all), run {n + 1}", figures))
        async with db.uow() as uow:
            orders = await uow.session.scalar(select(func.count()).select_from(Order))
        await db.dispose()
    mode = f"{rate:.0f} updates/s offered" if rate else "back to back"
    print(f"machine: {machine()}")
    print(
        f"{customers} customers, {rounds} round(s) of {'/'.join(s.__name__ for s in WORKLOAD)}, "
        f"{mode}, SQLite, {concurrency} update(s) in flight at most (PerChatUpdateProcessor)"
    )
    for title, figures in results:
        figures.report(f"-- {title}")
    for kind in ("loopback HTTP", "recording"):
        ratios = sorted(f.ratio for title, f in results if kind in title)
        if len(ratios) > 1:
            print(
                f"{kind}: median storefront / echo {statistics.median(ratios):.1%} "
                f"(runs: {', '.join(f'{r:.1%}' for r in ratios)})"
            )
    print(f"orders placed: {orders} (warm-up included)")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1, help="sessions per customer")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="updates/s offered by all customers (0: ceiling)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="updates processed at once (default: what `linli bot` uses for the database)",
    )
    parser.add_argument(
        "--harness",
        choices=("both", "http", "recording"),
        default="both",
        help="Bot API over loopback HTTP, the in-process recording request, or both",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each harness this many times (median)"
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.customers, args.rounds, args.rate, args.concurrency, args.harness, args.repeat)
    )


if __name__ == "__main__":
    main()
