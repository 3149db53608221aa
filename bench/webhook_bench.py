"""The Telegram webhook of a real ``linli serve`` under a load generator on loopback.

Run: .venv/bin/python -m bench.webhook_bench [--customers 200] [--updates 10] [--limit 20]
Target (issue 6): requests/s and p99 of the webhook, and past saturation: 429s, no
crash, no lost update.

``linli serve`` runs in its own process on a SQLite database seeded with the demo city
and ``--customers`` bound shoppers (as bench/telegram_bench.py seeds it); the bot's own
Bot API calls go to ``bench.fake_bot_server`` in a third process. The load generator
(aiohttp, one task per customer) posts what Telegram would post: each customer a
``/start`` and then presses of the main-menu buttons (shop, deals, cart, search, orders,
signed for their chat with the database's key as the bot signs them), one after the
other, with no pause, all customers at once.

Four rounds, each on a fresh ``linli serve``:

1. **capacity**: a queue limit above the offered load, so every update is taken: the
   webhook's requests/s and answer latency (p50/p99, client side), then how fast the bot
   works through them (first post to last update handled, read from ``/metrics``).
2. **past saturation**: ``--limit`` updates at most queued or in flight. The generator
   offers everything as fast as it can; a 429 is retried after 0.2-0.6 s, as Telegram
   redelivers. Counted: 200s and 429s; checked: the process never stops answering
   (``/healthz`` between bursts), every update answered 200 is handled exactly once
   (``linli_updates_handled_total`` grows by the number of 200s and every accepted
   update id is in the flows' ledger), and SIGTERM stops it cleanly.
3. and 4. **ceiling**: the same two without python-telegram-bot's flood limiter. In
   production it holds the bot to Telegram's 30 messages a second, which makes rounds 1
   and 2 a measure of Telegram's limit; without it the bot is as fast as the CPU allows,
   so round 4 shows the webhook answering 429s while the bot has the core busy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bench.common import machine, percentile
from bench.loopback import fake_bot_server
from bench.telegram_bench import seeded_database
from bot.flows.callbacks import pack
from bot.flows.payloads import Menu
from bot.flows.state import signing_key
from core.models import ProcessedUpdate
from tests.telegram.fake_bot_api import BOT_USER, DATE, TOKEN, Person

ROOT = Path(__file__).resolve().parents[1]
SERVE = "from app.cli.main import cli; cli()"
# The ceiling rounds only: no AIORateLimiter, so the bot runs as fast as the CPU lets it
# (in production Telegram's 30 messages a second would stop it first).
SERVE_UNLIMITED = "import app.server; app.server.production_rate_limiter = lambda: None\n" + SERVE
SECRET = "bench_webhook-secret"
SECTIONS = ("shop", "deals", "cart", "search", "orders")
HOOK = "/telegram/hook"
RETRY_S = (0.2, 0.6)  # Telegram waits a little before redelivering a refused update
DEADLINE_S = 300.0  # a round that is not done by then is reported as such


# --- what Telegram posts --------------------------------------------------------------


def text_update(update_id: int, who: Person, text: str) -> dict[str, Any]:
    """``who`` sends ``text``."""
    message = {"message_id": update_id, "date": DATE, "chat": who.as_chat(),
               "from": who.as_user(), "text": text}  # fmt: skip
    return {"update_id": update_id, "message": message}


def press_update(update_id: int, who: Person, data: str) -> dict[str, Any]:
    """``who`` taps a button carrying ``data`` under the bot's message 1."""
    query = {
        "id": f"q{update_id}",
        "from": who.as_user(),
        "chat_instance": f"ci-{who.id}",
        "data": data,
        "message": {"message_id": 1, "date": DATE, "chat": who.as_chat(), "from": BOT_USER,
                    "text": "…"},
    }  # fmt: skip
    return {"update_id": update_id, "callback_query": query}


def workload(
    people: list[Person], key: bytes, per_customer: int, first_id: int
) -> list[list[dict[str, Any]]]:
    """Per customer: ``/start``, then menu presses round the sections."""
    ids = iter(range(first_id, first_id + len(people) * per_customer))
    streams = []
    for who in people:
        stream = [text_update(next(ids), who, "/start")]
        for n in range(per_customer - 1):
            data = pack(key, str(who.id), Menu(SECTIONS[n % len(SECTIONS)]))
            stream.append(press_update(next(ids), who, data))
        streams.append(stream)
    return streams


# --- the server under test ------------------------------------------------------------


@dataclass
class Serve:
    """A ``linli serve`` process and its address."""

    process: asyncio.subprocess.Process
    base: str
    log: Path

    async def stop(self) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds to exit)."""
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        return code, time.perf_counter() - started


@asynccontextmanager
async def linli_serve(
    folder: Path, database_url: str, api: str, limit: int, *, flood_limit: bool = True
) -> AsyncIterator[Serve]:
    """``linli serve`` by webhook with queue limit ``limit``; its log goes to a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "LINLI_DATABASE_URL": database_url,
        "LINLI_HTTP_PORT": "0",
        "LINLI_TELEGRAM_TOKEN": TOKEN,
        "LINLI_TELEGRAM_API_URL": api,
        "LINLI_WEBHOOK_URL": f"https://bench.invalid{HOOK}",
        "LINLI_WEBHOOK_SECRET": SECRET,
        "LINLI_WEBHOOK_QUEUE_LIMIT": str(limit),
    }
    log = folder / f"serve-{limit}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SERVE if flood_limit else SERVE_UNLIMITED, "serve",
            env=env, cwd=folder, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    try:
        base = await address(process)
        yield Serve(process, base, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def address(process: asyncio.subprocess.Process) -> str:
    """Read the process's output until it says where it serves (a few short lines)."""
    assert process.stdout is not None
    printed, base = [], None
    async with asyncio.timeout(120):
        while line := (await process.stdout.readline()).decode():
            printed.append(line)
            found = re.search(r"serving on (http://\S+)", line)
            base = found.group(1) if found else base
            if "Press Ctrl-C" in line and base:
                return base
    raise RuntimeError(f"linli serve did not start: {''.join(printed)}")


async def handled(http: aiohttp.ClientSession, base: str) -> dict[str, float]:
    """Updates handled by outcome, and the handler's latency sum/count, from /metrics."""
    async with http.get(f"{base}/metrics") as response:
        text = await response.text()
    found: dict[str, float] = {"ok": 0.0, "error": 0.0, "seconds": 0.0, "count": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "linli_updates_handled_total":
                found[sample.labels["outcome"]] += sample.value
            elif sample.name == "linli_update_seconds_sum":
                found["seconds"] += sample.value
            elif sample.name == "linli_update_seconds_count":
                found["count"] += sample.value
    return found


async def drained(http: aiohttp.ClientSession, base: str, expected: int) -> tuple[float, dict]:
    """Wait until ``expected`` updates are handled; (the time it happened, the counts)."""
    deadline = time.perf_counter() + DEADLINE_S
    while True:
        counts = await handled(http, base)
        if counts["ok"] + counts["error"] >= expected or time.perf_counter() > deadline:
            return time.perf_counter(), counts
        await asyncio.sleep(0.05)


# --- the load generator ---------------------------------------------------------------


@dataclass
class Load:
    """What the generator saw in one round."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: list[int] = field(default_factory=list)  # update ids answered 200
    unanswered: int = 0  # connection errors: the process did not answer at all
    health: list[int] = field(default_factory=list)  # /healthz statuses during the round


async def offer(
    http: aiohttp.ClientSession, base: str, streams: list[list[dict[str, Any]]], load: Load
) -> None:
    """Every customer posts their updates in order, retrying a 429 as Telegram would."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    deadline = time.perf_counter() + DEADLINE_S

    async def customer(stream: list[dict[str, Any]], rng: random.Random) -> None:
        for update in stream:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    async with http.post(base + HOOK, json=update, headers=headers) as answer:
                        status = answer.status
                        await answer.read()
                except aiohttp.ClientError:
                    load.unanswered += 1
                    await asyncio.sleep(rng.uniform(*RETRY_S))
                    continue
                load.latencies_ms.append((time.perf_counter() - started) * 1000)
                load.statuses[status] = load.statuses.get(status, 0) + 1
                if status == 200:
                    load.accepted.append(update["update_id"])
                    break
                await asyncio.sleep(rng.uniform(*RETRY_S))

    async def watch() -> None:
        while True:
            async with http.get(f"{base}/healthz") as answer:
                load.health.append(answer.status)
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.gather(*(customer(s, random.Random(n)) for n, s in enumerate(streams)))
    finally:
        watcher.cancel()


async def ledger(db: Any, ids: list[int]) -> set[int]:
    """Which of ``ids`` the flows recorded as handled."""
    async with db.uow() as uow:
        rows = await uow.session.scalars(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.channel == "telegram")
        )
        seen = {int(value) for value in rows}
    return seen & set(ids)


# --- the rounds -----------------------------------------------------------------------


@dataclass
class Round:
    """One round's figures."""

    name: str
    limit: int
    offered: int
    load: Load
    elapsed_s: float  # first post to last answer
    processed_s: float  # first post to last update handled
    counts: dict[str, float]
    in_ledger: int
    exit_code: int
    stop_s: float

    def report(self) -> None:
        """Print the round."""
        load = self.load
        posts = sum(load.statuses.values())
        accepted = len(load.accepted)
        handled_total = int(self.counts["ok"] + self.counts["error"])
        mean_ms = 1000 * self.counts["seconds"] / max(1.0, self.counts["count"])
        print(f"\n{self.name} (queue limit {self.limit}): {self.offered} updates offered")
        print(
            f"  webhook: {posts} requests in {self.elapsed_s:.2f} s = "
            f"{posts / self.elapsed_s:.0f} requests/s | p50 {percentile(load.latencies_ms, 50):.1f}"
            f" ms | p99 {percentile(load.latencies_ms, 99):.1f} ms | statuses {load.statuses}"
        )
        print(
            f"  bot: {handled_total} updates handled in {self.processed_s:.2f} s = "
            f"{handled_total / self.processed_s:.0f} updates/s (handler mean {mean_ms:.1f} ms)"
            f", errors {int(self.counts['error'])}"
        )
        lost = accepted - self.in_ledger
        twice = handled_total - accepted
        healthy = sum(1 for s in load.health if s == 200)
        print(
            f"  answered 200: {accepted} | in the flows' ledger: {self.in_ledger} | lost {lost}"
            f" | handled twice {twice} | not offered by the deadline "
            f"{self.offered - accepted} | no answer at all {load.unanswered}"
        )
        print(
            f"  /healthz during the round: {healthy}/{len(load.health)} answered 200 | "
            f"SIGTERM: exit code {self.exit_code} in {self.stop_s:.2f} s"
        )


async def run_round(
    name: str,
    *,
    folder: Path,
    db: Any,
    api: str,
    streams: list[list[dict[str, Any]]],
    limit: int,
    flood_limit: bool = True,
) -> Round:
    """One fresh ``linli serve``, the whole workload offered, then a clean stop."""
    url = str(db.engine.url)
    offered = sum(len(s) for s in streams)
    async with linli_serve(folder, url, api, limit, flood_limit=flood_limit) as serve:
        connector = aiohttp.TCPConnector(limit=len(streams) + 4)
        async with aiohttp.ClientSession(connector=connector) as http:
            load = Load()
            started = time.perf_counter()
            await offer(http, serve.base, streams, load)
            answered = time.perf_counter()
            done_at, counts = await drained(http, serve.base, len(load.accepted))
        exit_code, stop_s = await serve.stop()
    return Round(
        name=name,
        limit=limit,
        offered=offered,
        load=load,
        elapsed_s=answered - started,
        processed_s=done_at - started,
        counts=counts,
        in_ledger=len(await ledger(db, load.accepted)),
        exit_code=exit_code,
        stop_s=stop_s,
    )


async def bench(customers: int, per_customer: int, limit: int) -> None:
    """Seed, start the fake Bot API, run both rounds, print."""
    with tempfile.TemporaryDirectory(prefix="linli-webhook-bench-") as tmp:
        folder = Path(tmp)
        db, people = await seeded_database(folder, customers)
        key = await signing_key(db)
        try:
            async with fake_bot_server() as api:
                total = customers * per_customer
                plan = (
                    ("capacity", total + 1, True),
                    ("past saturation", limit, True),
                    ("ceiling: capacity, no flood limiter", total + 1, False),
                    ("ceiling: past saturation, no flood limiter", limit, False),
                )
                rounds = []
                for n, (name, queue_limit, flood_limit) in enumerate(plan, start=1):
                    streams = workload(people, key, per_customer, first_id=n * 1_000_000)
                    figures = await run_round(
                        name, folder=folder, db=db, api=api, streams=streams,
                        limit=queue_limit, flood_limit=flood_limit,
                    )  # fmt: skip
                    rounds.append(figures)
        finally:
            await db.dispose()
    print(f"machine: {machine()}")
    print(f"{customers} customers x {per_customer} updates each, all at once, no pause")
    for figures in rounds:
        figures.report()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--updates", type=int, default=10, help="updates per customer")
    parser.add_argument("--limit", type=int, default=20, help="queue limit past saturation")
    args = parser.parse_args()
    asyncio.run(bench(args.customers, args.updates, args.limit))


if __name__ == "__main__":
    main()
