"""The customer-value report of a big unit: 5,000 customers, a year of history (~250k orders).

Run: .venv/bin/python -m bench.report_bench [--customers 5000] [--repeat 5] [--server URL]
Target (issue 4): the weekly report with its chart in <= 2 s and <= 300 MB.

The history is written with bulk inserts (the report only reads it): 20 buildings; each
customer orders at their own pace (a fifth twice a week, two fifths weekly, a quarter
monthly, a tenth stopped ordering months ago, the rest never ordered), 95% of orders
delivered, the rest cancelled or refunded; every delivery issues 1–2 crates and the next
one collects them, so the crate ledger holds about two movements per order. The unit's
orders are the whole table's bar a small second unit, as in a city of one unit per table
page.

Figures are taken in a child process on the seeded database, so its peak RSS is the
report's, not the seeding's: the first (cold) report with chart, which imports
matplotlib and builds its font cache, then ``--repeat`` warm ones, each in a fresh unit
of work; then the CSV alone; then one report with chart under tracemalloc for the peak
of Python allocations (tracemalloc slows Python down, so that run is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bench.common import machine, scratch_postgres
from core.models import Base, CrateMovement, Customer, Order
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = dt.date(2026, 11, 23)
BUILDINGS = tuple(f"{n}栋" for n in range(1, 21))
CHUNK = 5_000
# (share of customers, mean days between orders, days ago they started, days ago they stopped)
PACES = (
    (0.20, 3.3, 364, 0),
    (0.38, 7.0, 364, 0),
    (0.25, 30.0, 364, 0),
    (0.10, 10.0, 364, 150),
    (0.03, 10.0, 20, 0),  # newcomers of the last three weeks
)


def _clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))


async def _database(url: str, *, fresh: bool) -> Database:
    """The schema (recreated when ``fresh``); Monday 10:00 in Shanghai."""
    engine = create_engine(url, pool_size=5)
    if fresh:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
    return Database(engine, Settings(database_url=url), _clock())


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


def _history(
    rng: random.Random, customer_ids: list[int], unit_id: int, building_ids: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Order rows and crate movements of a year, customer by customer."""
    orders: list[dict[str, Any]] = []
    crates: list[dict[str, Any]] = []
    number = 0
    start = AS_OF - dt.timedelta(days=364)
    for customer_id in customer_ids:
        pick = rng.random()
        pace = None
        for share, mean, began, stopped in PACES:
            if pick < share:
                pace = (mean, began, stopped)
                break
            pick -= share
        if pace is None:
            continue  # never ordered
        mean, began, stopped = pace
        first = max(start, AS_OF - dt.timedelta(days=began))
        day = first + dt.timedelta(days=rng.randint(0, min(int(mean * 2), began)))
        last_day = AS_OF - dt.timedelta(days=stopped)
        building = building_ids[customer_id % len(building_ids)]
        held = 0
        while day <= last_day:
            number += 1
            roll = rng.random()
            status = "delivered" if roll < 0.95 else "cancelled" if roll < 0.98 else "refunded"
            total = rng.randint(1500, 15000)
            order_id = number
            delivered_at = _at(day, 19, rng.randint(0, 59))
            orders.append(
                {
                    "id": order_id,
                    "order_no": f"B{number:09d}",
                    "customer_id": customer_id,
                    "unit_id": unit_id,
                    "building_id": building,
                    "room": "301",
                    "idempotency_key": f"k{number}",
                    "status": status,
                    "delivery_date": day,
                    "window_start": dt.time(18),
                    "window_end": dt.time(21),
                    "goods_fen": total,
                    "discount_fen": 0,
                    "shipping_fen": 0,
                    "total_fen": total,
                    "reference_fen": total + total // 20,
                    "saving_fen": total // 20,
                    "crates_issued": 0,
                    "placed_at": _at(day, 11),
                    "delivered_at": delivered_at if status != "cancelled" else None,
                    "cancelled_at": _at(day, 12) if status == "cancelled" else None,
                }
            )
            if status != "cancelled":
                if held:
                    crates.append(
                        {
                            "customer_id": customer_id,
                            "unit_id": unit_id,
                            "order_id": order_id,
                            "kind": "collected",
                            "quantity": -held,
                            "created_at": delivered_at,
                        }
                    )
                held = rng.randint(1, 2)
                orders[-1]["crates_issued"] = held
                crates.append(
                    {
                        "customer_id": customer_id,
                        "unit_id": unit_id,
                        "order_id": order_id,
                        "kind": "issued",
                        "quantity": held,
                        "created_at": delivered_at,
                    }
                )
            day += dt.timedelta(days=max(1, round(rng.expovariate(1 / mean))))
    return orders, crates


async def _seed(db: Database, customers: int, rng: random.Random) -> int:
    """The unit, its customers and their year; returns the unit's id."""
    from tests.factories import make_unit_with_partner

    setup = await make_unit_with_partner(db, buildings=BUILDINGS)
    other = await make_unit_with_partner(db, code="huating", buildings=("1号楼",))
    joined = _at(AS_OF - dt.timedelta(days=400), 12)
    rows = [
        {
            "id": n + 1,
            "unit_id": setup.unit.id if n < customers else other.unit.id,
            "building_id": setup.building_ids[n % len(BUILDINGS)]
            if n < customers
            else other.building_ids[0],
            "room": f"{rng.randint(1, 30)}0{rng.randint(1, 4)}",
            "display_name": f"住户{n + 1}",
            "locale": "zh_CN",
            "bound_at": joined,
            "created_at": joined,
        }
        for n in range(customers + 50)
    ]
    orders, crates = _history(rng, [row["id"] for row in rows], setup.unit.id, setup.building_ids)
    for order in orders:  # the second unit's 50 customers order in their own unit
        if order["customer_id"] > customers:
            order["unit_id"] = other.unit.id
    async with db.engine.begin() as conn:
        for table, batch in ((Customer, rows), (Order, orders), (CrateMovement, crates)):
            for i in range(0, len(batch), CHUNK):
                await conn.execute(insert(table.__table__), batch[i : i + CHUNK])
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('orders', 'id'), max(id)) FROM orders"
            )
            await conn.exec_driver_sql("ANALYZE")
    print(f"seeded {customers} customers, {len(orders)} orders, {len(crates)} crate movements")
    return setup.unit.id


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    ``getrusage``'s ru_maxrss survives exec on Linux (the child would report the seeding
    parent's peak), so the kernel's per-process high-water mark VmHWM is read first.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _measure(url: str, unit_id: int, repeat: int) -> dict[str, Any]:
    """In the child: timings and memory of report + chart, and of the CSV."""
    from core.partners.reports.chart import weekly_chart_png
    from core.partners.reports.export import report_csv
    from core.partners.reports.value import value_report

    labels = {"orders": "orders", "customers": "customers"}
    db = await _database(url, fresh=False)
    figures: dict[str, Any] = {"rss_start_mb": _rss_mb()}

    async def build() -> tuple[Any, bytes, float, float]:
        started = time.perf_counter()
        async with db.uow() as uow:
            report = await value_report(uow, unit_id)
        built = time.perf_counter()
        png = weekly_chart_png(report, title="weekly orders and customers", labels=labels)
        return report, png, built - started, time.perf_counter() - built

    try:
        started = time.perf_counter()
        report, png, _query, _draw = await build()
        figures["cold_s"] = time.perf_counter() - started
        figures["counts"] = {str(k): v for k, v in report.counts.items()}
        figures["png_bytes"] = len(png)
        totals, queries, draws = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            report, png, query, draw = await build()
            totals.append(time.perf_counter() - started)
            queries.append(query)
            draws.append(draw)
        figures.update(warm_s=totals, report_s=queries, chart_s=draws)
        csv_times = []
        for _ in range(repeat):
            started = time.perf_counter()
            data = report_csv(report)
            csv_times.append(time.perf_counter() - started)
        figures.update(csv_s=csv_times, csv_bytes=len(data), rss_peak_mb=_rss_mb())
        tracemalloc.start()
        await build()
        figures["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    finally:
        await db.dispose()
    return figures


def _child(url: str, unit_id: int, repeat: int) -> dict[str, Any]:
    """Run the measurement in a fresh interpreter and read back its JSON."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.report_bench", "--measure", url),
            *("--unit-id", str(unit_id), "--repeat", str(repeat)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(figures: dict[str, Any], database: str, customers: int, repeat: int) -> None:
    def ms(values: list[float]) -> str:
        return f"p50 {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(machine())
    print(f"database: {database}, customers: {customers}, warm runs: {repeat}")
    print(f"groups today: {figures['counts']}")
    print(f"report + chart, cold (imports matplotlib): {figures['cold_s'] * 1000:.0f} ms")
    print(f"report + chart, warm: {ms(figures['warm_s'])}")
    print(f"  of which the report (SQL + grouping): {ms(figures['report_s'])}")
    print(f"  of which the chart ({figures['png_bytes']:,} bytes PNG): {ms(figures['chart_s'])}")
    print(f"CSV alone ({figures['csv_bytes']:,} bytes): {ms(figures['csv_s'])}")
    print(
        f"peak RSS {figures['rss_peak_mb']:.0f} MB (at start {figures['rss_start_mb']:.0f} MB), "
        f"tracemalloc peak {figures['tracemalloc_peak_mb']:.1f} MB"
    )


async def main(customers: int, repeat: int, server: str | None) -> None:
    """Seed, measure in a child process, print."""
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        if server:
            async with scratch_postgres(server) as url:
                db = await _database(url, fresh=True)
                started = time.perf_counter()
                try:
                    unit_id = await _seed(db, customers, rng)
                finally:
                    await db.dispose()
                print(f"seeding took {time.perf_counter() - started:.0f} s")
                figures = await asyncio.to_thread(_child, url, unit_id, repeat)
        else:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'report.sqlite3'}"
            db = await _database(url, fresh=True)
            started = time.perf_counter()
            try:
                unit_id = await _seed(db, customers, rng)
            finally:
                await db.dispose()
            print(f"seeding took {time.perf_counter() - started:.0f} s")
            figures = await asyncio.to_thread(_child, url, unit_id, repeat)
    _print(figures, "PostgreSQL" if server else "SQLite", customers, repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server", default=None, help="a PostgreSQL server URL (scratch db)")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--unit-id", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(_measure(args.measure, args.unit_id, args.repeat))))
    else:
        asyncio.run(main(args.customers, args.repeat, args.server))
