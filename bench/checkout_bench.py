"""Checkout throughput on PostgreSQL with 50 concurrent customers.

Run: .venv/bin/python -m bench.checkout_bench [--orders 3000] [--customers 50]
Target (issue 2): >= 150 checkouts/s with p99 < 250 ms on a 2-core machine.
Each customer places orders of 1–5 lines drawn from 2,000 products (a few popular ones
bought by everybody), every order with its own idempotency key, like real confirmations.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import NamedTuple

from sqlalchemy import func, select, text

from bench.common import DEFAULT_PG, machine, scratch_postgres, summary
from core.models import Base, Category, Order, Product
from core.orders.checkout import checkout
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.people.units import add_partner, buildings_of, create_unit
from core.platform.clock import SystemClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

PRODUCTS = 2000
POPULAR = 20


async def seed(db: Database, customers: int) -> tuple[list[int], list[int]]:
    """A unit, 2,000 products with deep stock, and bound customers."""
    async with db.uow() as uow:
        unit = await create_unit(
            uow,
            code="bench",
            name_zh="基准小区",
            name_en="Bench",
            area="测试",
            buildings=[f"{n}栋" for n in range(1, 21)],
        )
        await add_partner(uow, unit_code="bench", name="测试")
        buildings = [b.id for b in await buildings_of(uow, unit.id)]
        category = Category(code="all", name_zh="全部", name_en="All")
        uow.session.add(category)
        await uow.session.flush()
        now = uow.clock.now()
        uow.session.add_all(
            Product(
                sku=f"SKU{n:05d}",
                category_id=category.id,
                name_zh=f"商品{n}",
                name_en=f"Item {n}",
                unit_zh="件",
                unit_en="pc",
                price_fen=100 + n % 5000,
                reference_price_fen=110 + n % 5000,
                stock=10_000_000,
                updated_at=now,
            )
            for n in range(PRODUCTS)
        )
        await uow.commit()
    customer_ids = []
    async with db.uow() as uow:
        for n in range(customers):
            customer = await customer_for_identity(uow, "telegram", f"bench-{n}")
            await bind_to_unit(uow, customer, unit_id=unit.id)
            await set_address(uow, customer, building_id=buildings[n % 20], room=str(101 + n))
            await set_phone(uow, customer, f"139{n:08d}")
            customer_ids.append(customer.id)
        product_ids = list(await uow.session.scalars(select(Product.id).order_by(Product.id)))
        await uow.commit()
    return customer_ids, product_ids


async def shopper(
    db: Database,
    customer_id: int,
    product_ids: list[int],
    orders: int,
    latencies: list[float],
    *,
    gap_s: float = 0.0,
) -> None:
    """One customer confirming ``orders`` orders.

    ``gap_s`` = 0: back to back (closed loop, measures the ceiling). Otherwise orders are
    due every ``gap_s`` on average (jittered ±50%, random phase) and latency counts from
    when an order was due, so a backlog shows up in the figures instead of hiding.
    """
    rng = random.Random(customer_id)
    due = time.perf_counter() + rng.uniform(0, gap_s)
    for _ in range(orders):
        lines = {rng.choice(product_ids[:POPULAR]): 1}
        for _extra in range(rng.randint(0, 4)):
            lines[rng.choice(product_ids)] = rng.randint(1, 3)
        if gap_s:
            due += gap_s * rng.uniform(0.5, 1.5)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        started = due if gap_s else time.perf_counter()
        await checkout(
            db,
            customer_id=customer_id,
            items=list(lines.items()),
            idempotency_key=uuid.uuid4().hex,
        )
        latencies.append((time.perf_counter() - started) * 1000)


class Job(NamedTuple):
    """One worker process's share of the run."""

    url: str
    customer_ids: list[int]
    product_ids: list[int]
    orders: int
    start_at: float
    gap_s: float


async def serve(job: Job) -> list[float]:
    """One process's share of the customers: warm up, wait for the common start, shop."""
    url, customer_ids, product_ids, orders, start_at, gap_s = job
    engine = create_engine(url, pool_size=max(2, len(customer_ids)))
    db = Database(engine, Settings(database_url=url), SystemClock())
    await asyncio.gather(*(shopper(db, c, product_ids, 2, []) for c in customer_ids))
    await asyncio.sleep(max(0.0, start_at - time.time()))
    latencies: list[float] = []
    await asyncio.gather(
        *(shopper(db, c, product_ids, orders, latencies, gap_s=gap_s) for c in customer_ids)
    )
    await db.dispose()
    return latencies


def worker(job: Job) -> tuple[list[float], float]:
    """Entry point of one worker process (a bot process behind the load balancer)."""
    latencies = asyncio.run(serve(job))
    return latencies, time.time()


async def prepare(url: str, customers: int) -> tuple[list[int], list[int]]:
    """Create the schema and seed it."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    db = Database(engine, Settings(database_url=url), SystemClock())
    seeded = await seed(db, customers)
    await db.dispose()
    return seeded


async def count_orders(url: str) -> tuple[int, str]:
    """Orders in the database and the server version, for the report."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        placed = await conn.scalar(select(func.count()).select_from(Order))
        version = await conn.scalar(text("SHOW server_version"))
    await engine.dispose()
    return int(placed or 0), str(version)


async def run(
    server_url: str, total_orders: int, customers: int, processes: int, rate: float
) -> None:
    """Seed a scratch database, then let ``processes`` workers share the customers."""
    gap_s = customers / rate if rate else 0.0
    async with scratch_postgres(server_url) as url:
        customer_ids, product_ids = await prepare(url, customers)
        per_customer = max(1, total_orders // customers)
        start_at = time.time() + 2 + customers * 0.05
        shares = [customer_ids[n::processes] for n in range(processes)]
        jobs = [Job(url, share, product_ids, per_customer, start_at, gap_s) for share in shares]
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            results = await asyncio.gather(
                *(loop.run_in_executor(pool, worker, job) for job in jobs)
            )
        latencies = [ms for share, _ in results for ms in share]
        elapsed = max(finished for _, finished in results) - start_at
        placed, version = await count_orders(url)
    print(f"machine: {machine()} | PostgreSQL {version}")
    if rate:
        print(
            f"checkout, {processes} process(es), {len(latencies)} orders offered at {rate:.0f}/s "
            f"by {customers} customers (last one due after about {per_customer * gap_s:.0f} s, "
            f"all done {elapsed:.1f} s after the start); latency from each order's due time: "
            f"{summary(latencies)}"
        )
    else:
        print(
            f"checkout, {processes} process(es), back to back: {len(latencies)} orders by "
            f"{customers} concurrent customers in {elapsed:.2f} s = "
            f"{len(latencies) / elapsed:.0f} orders/s; {summary(latencies)}"
        )
    print(f"orders in database: {placed} (incl. {customers * 2} warm-up)")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="orders/s offered by all customers together (0: back to back)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes sharing the customers (production runs several)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("LINLI_BENCH_DATABASE_URL", DEFAULT_PG),
        help="PostgreSQL URL whose server hosts the scratch database",
    )
    args = parser.parse_args()
    asyncio.run(run(args.server, args.orders, args.customers, args.processes, args.rate))


if __name__ == "__main__":
    main()
