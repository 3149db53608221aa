"""Catalog search over 20,000 generated products, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.search_bench [--products 20000] [--rounds 20]
Target (issue 2): p95 < 20 ms for Chinese substring and pinyin-initials queries.
The catalog is the demo catalog repeated with a "N号" suffix, so names, pinyin keys and
match counts are realistic (a two-letter initials query matches hundreds of rows).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import insert

from bench.common import DEFAULT_PG, machine, scratch_postgres, summary
from core.catalog.pinyin import search_keys
from core.catalog.search import search_products
from core.demo.data import demo_products
from core.models import Base, Category, Product
from core.platform.clock import SystemClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
QUERIES = {
    "Chinese substring": ("可乐", "牛奶", "大米", "水饺", "鸡蛋", "红枣", "洗衣液", "面包"),
    "pinyin initials": ("kl", "nn", "dm", "sj", "jd", "hz", "xyy", "mb"),
    "full pinyin": ("kele", "niunai", "dami", "shuijiao"),
}


def catalog(category_id: int, size: int) -> Iterator[dict[str, object]]:
    """The demo catalog repeated with a suffix until it has ``size`` products."""
    specs = demo_products()
    keys = [search_keys(spec.name_zh) for spec in specs]
    for n in range(size):
        spec, (full, initials) = specs[n % len(specs)], keys[n % len(specs)]
        round_ = n // len(specs)
        yield {
            "sku": f"BENCH-{n:05d}",
            "category_id": category_id,
            "name_zh": spec.name_zh + (f" {round_}号" if round_ else ""),
            "name_en": spec.name_en,
            "unit_zh": spec.unit_zh,
            "unit_en": spec.unit_en,
            "price_fen": spec.price_fen,
            "reference_price_fen": spec.reference_price_fen,
            "heavy": spec.heavy,
            "stock": spec.stock,
            "active": True,
            "search_pinyin": f"{full}{round_}hao" if round_ else full,
            "search_initials": f"{initials}{round_}h" if round_ else initials,
            "updated_at": NOW,
        }


async def measure(url: str, size: int, rounds: int) -> dict[str, list[float]]:
    """Load the catalog into ``url`` and time every query ``rounds`` times."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    db = Database(engine, Settings(database_url=url), SystemClock())
    async with db.uow() as uow:
        category = Category(code="bench", name_zh="测试", name_en="Bench", sort_order=0)
        uow.session.add(category)
        await uow.session.flush()
        await uow.session.execute(insert(Product), list(catalog(category.id, size)))
        await uow.commit()
    timings: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    async with db.uow() as uow:
        for queries in QUERIES.values():
            for query in queries:
                await search_products(uow, query)  # warm caches
        for _ in range(rounds):
            for kind, queries in QUERIES.items():
                for query in queries:
                    started = time.perf_counter()
                    await search_products(uow, query)
                    timings[kind].append((time.perf_counter() - started) * 1000)
    await db.dispose()
    return timings


async def run(server_url: str, size: int, rounds: int) -> None:
    """Both databases, one after the other, in the same run."""
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'search.sqlite3'}"
        results = {"SQLite": await measure(sqlite_url, size, rounds)}
    async with scratch_postgres(server_url) as url:
        results["PostgreSQL"] = await measure(url, size, rounds)
    for database, timings in results.items():
        for kind, samples in timings.items():
            print(f"search {database:10s} {kind:17s} ({size} products): {summary(samples)}")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--server",
        default=os.environ.get("LINLI_BENCH_DATABASE_URL", DEFAULT_PG),
        help="PostgreSQL URL whose server hosts the scratch database",
    )
    args = parser.parse_args()
    asyncio.run(run(args.server, args.products, args.rounds))


if __name__ == "__main__":
    main()
