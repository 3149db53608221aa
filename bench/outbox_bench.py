"""A 5,000-household broadcast through the outbox to a fake Bot API that enforces the limits.

Run: .venv/bin/python -m bench.outbox_bench [--messages 5000] [--ceiling-messages 5000]
     [--server postgresql://…]   (SQLite by default)
Targets (issue 5): at a 30/s limit, achieved rate / limit ≥ 0.95, messages lost 0,
duplicates 0, 429s after the first 0. Then the limit is raised to 1,000/s to show the
sender's own ceiling (messages/s).

The fake Bot API (``tests/telegram/limited_bot_api.py``) runs in its own process, as
Telegram runs on its own machines: it answers 429 beyond ``--rate`` calls a second or one
message per chat a second, and counts what it delivered per chat. The sender is the real
one (``core.messaging.outbox.sender.Sender``) on python-telegram-bot's Bot over loopback HTTP; the
rate is measured on the server, between its first and last delivered message.
5,000 at 30/s take about 170 s; ``--messages`` shortens it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import fake_service, machine, scratch_postgres
from bot.handlers.telegram_outbox import TelegramTransport
from core.messaging.outbox.sender import Sender
from core.models import Base
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.outbox_support import broadcast_to, households

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN = "7000000001:TEST-abcdefghijklmnopqrstuvwxyz012345"


def fake_bot_api(rate: float) -> contextlib.AbstractContextManager[int]:
    """The limiting fake Bot API in its own process; its port."""
    return fake_service("tests.telegram.limited_bot_api", "--rate", str(rate), what="fake Bot API")


def server_stats(port: int) -> dict[str, Any]:
    """What the fake Bot API delivered (and forget it, for the next round)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats?reset=1", timeout=30) as answer:
        stats: dict[str, Any] = json.load(answer)
        return stats


@contextlib.asynccontextmanager
async def database(server: str | None) -> AsyncIterator[Database]:
    """A fresh schema on SQLite (a temporary file) or a scratch PostgreSQL database."""
    clock = FixedClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))  # daytime: no quiet
    async with contextlib.AsyncExitStack() as stack:
        if server:
            url = await stack.enter_async_context(scratch_postgres(server))
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="outbox-bench-"))
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = create_engine(url, pool_size=5)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        db = Database(engine, Settings(database_url=url), clock)
        try:
            yield db
        finally:
            await db.dispose()


async def one_round(
    db: Database,
    port: int,
    *,
    messages: int,
    limit: float,
    start: int,
    key: str,
    concurrency: int,
) -> dict[str, Any]:
    """Enqueue ``messages`` copies, drain them at ``limit``/s, read the server's counts."""
    people = await households(db, messages, start=start)
    began = time.perf_counter()
    await broadcast_to(db, people, key=key)
    enqueue_s = time.perf_counter() - began
    transport = TelegramTransport.for_token(
        TOKEN, base_url=f"http://127.0.0.1:{port}/bot", connections=concurrency
    )
    async with transport.bot:
        sender = Sender(db, transport, rate_per_s=limit, concurrency=concurrency)
        began, cpu = time.perf_counter(), time.process_time()
        stats = await sender.run_until_idle()
        wall_s, cpu_s = time.perf_counter() - began, time.process_time() - cpu
    seen = server_stats(port)
    copies = {int(chat): n for chat, n in seen["copies"].items()}
    lost = sum(1 for p in people if copies.get(int(p.chat_id), 0) == 0)
    span = (seen["last_at"] or 0) - (seen["first_at"] or 0)
    rate = (seen["delivered"] - 1) / span if span > 0 else float("nan")
    return {
        "messages": messages,
        "limit": limit,
        "enqueue_s": enqueue_s,
        "wall_s": wall_s,
        "cpu_ms": cpu_s * 1000 / max(1, messages),
        "delivered": seen["delivered"],
        "rate": rate,
        "ratio": rate / limit,
        "lost": lost,
        "duplicates": seen["duplicates"],
        "rejections": seen["rejections"],
        "after_first": max(0, seen["rejections"] - 1),
        "sender_429s": stats.retry_after,
    }


def show(title: str, row: dict[str, Any]) -> None:
    """One round's figures."""
    print(f"\n{title}")
    print(
        f"  {row['messages']:,} messages, limit {row['limit']:,.0f}/s: enqueued in "
        f"{row['enqueue_s'] * 1000:.0f} ms, drained in {row['wall_s']:.1f} s "
        f"(sender CPU {row['cpu_ms']:.2f} ms a message)"
    )
    print(
        f"  achieved {row['rate']:.1f} messages/s = {row['ratio']:.3f} of the limit; "
        f"lost {row['lost']}, duplicates {row['duplicates']}, "
        f"429s {row['rejections']} (after the first: {row['after_first']})"
    )


async def run(args: argparse.Namespace) -> None:
    """Round 1 at Telegram's limit, round 2 at 1,000/s."""
    print(f"machine: {machine()}")
    print(f"database: {'PostgreSQL' if args.server else 'SQLite'}")
    async with database(args.server) as db:
        with fake_bot_api(args.limit) as port:
            row = await one_round(
                db,
                port,
                messages=args.messages,
                limit=args.limit,
                start=0,
                key="bench-limit",
                concurrency=args.concurrency,
            )
        show(f"at the limit ({args.limit:.0f}/s)", row)
        with fake_bot_api(args.ceiling) as port:
            row = await one_round(
                db,
                port,
                messages=args.ceiling_messages,
                limit=args.ceiling,
                start=args.messages,
                key="bench-ceiling",
                concurrency=args.concurrency,
            )
        show(f"limit raised to {args.ceiling:,.0f}/s (the sender's ceiling)", row)


def main() -> None:
    """Parse the options and run both rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--limit", type=float, default=30.0)
    parser.add_argument("--ceiling", type=float, default=1000.0)
    parser.add_argument("--ceiling-messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--server", default=None, help="a PostgreSQL URL (default: SQLite)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
