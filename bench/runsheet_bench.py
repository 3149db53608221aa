"""The run sheet of a busy evening: 300 orders in one unit, as the Tonight screen builds it.

Run: .venv/bin/python -m bench.runsheet_bench [--orders 300] [--repeat 30] [--server URL]
Target (issue 4): the run sheet for an evening of 300 orders in <= 200 ms.

Orders go through the real checkout (tests/factories.place) on SQLite by default, or
on a scratch PostgreSQL database with ``--server``; each customer has 1–4 lines of 40
products, some with care notes, and some hold crates from earlier deliveries. The
figure is the time of ``core.delivery.batches.run_sheet`` (and, for comparison, ``pick_list``)
in a fresh unit of work, as every tap on the Tonight screen does it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import machine, percentile
from core.delivery.batches import pick_list, run_sheet
from core.models import Base
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUILDINGS = tuple(f"{n}栋" for n in range(1, 21))


async def _database(url: str) -> Database:
    """A fresh schema; Monday 10:00 in Shanghai, before the cutoff."""
    engine = create_engine(url, pool_size=5)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    clock = FixedClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    return Database(engine, Settings(database_url=url), clock)


async def _seed(db: Database, orders: int, rng: random.Random) -> tuple[int, dt.date]:
    """``orders`` customers with one order each for tonight; every tenth holds crates."""
    setup = await make_unit_with_partner(db, buildings=BUILDINGS)
    products = [
        await make_product(
            db, f"SKU{i:03d}", stock=100_000, care_note_zh="易碎，请轻放" if i % 7 == 0 else None
        )
        for i in range(40)
    ]
    day = None
    for n in range(orders):
        customer = await make_bound_customer(
            db, setup, building=n % len(BUILDINGS), room=f"{rng.randint(1, 30)}0{rng.randint(1, 4)}"
        )
        if n % 10 == 0:
            earlier = await place(db, customer, [(products[0], 1)])
            await deliver_order(db, earlier.order.id, crates=2)
        lines = [(p, rng.randint(1, 3)) for p in rng.sample(products, rng.randint(1, 4))]
        placed = await place(db, customer, lines)
        day = placed.order.delivery_date
    assert day is not None
    return setup.unit.id, day


async def _timed(db: Database, unit_id: int, day: dt.date, repeat: int) -> dict[str, list[float]]:
    """Milliseconds per build of the run sheet and the pick list."""
    times: dict[str, list[float]] = {"run sheet": [], "pick list": []}
    stops = 0
    for _ in range(repeat):
        for name, build in (("run sheet", run_sheet), ("pick list", pick_list)):
            started = time.perf_counter()
            async with db.uow() as uow:
                result = await build(uow, unit_id, day)
            times[name].append((time.perf_counter() - started) * 1000)
            if name == "run sheet":
                stops = len(result.stops)
    print(f"stops on the run sheet: {stops}")
    return times


async def main(orders: int, repeat: int, server: str | None) -> None:
    """Seed, time, print."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        url = server or f"sqlite+aiosqlite:///{Path(folder) / 'runsheet.sqlite3'}"
        db = await _database(url)
        try:
            started = time.perf_counter()
            unit_id, day = await _seed(db, orders, rng)
            print(f"seeded {orders} orders in {time.perf_counter() - started:.1f} s")
            times = await _timed(db, unit_id, day, repeat)
        finally:
            if server:
                async with db.engine.begin() as conn:
                    await conn.run_sync(Base.metadata.drop_all)
            await db.dispose()
    print(machine())
    print(f"database: {'PostgreSQL' if server else 'SQLite'}, orders: {orders}, runs: {repeat}")
    for name, samples in times.items():
        print(
            f"{name}: p50 {statistics.median(samples):.1f} ms, "
            f"p95 {percentile(samples, 95):.1f} ms, max {max(samples):.1f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--server", default=None, help="a scratch PostgreSQL URL (dropped after)")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.repeat, args.server))
