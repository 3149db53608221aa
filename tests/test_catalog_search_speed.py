"""Search stays fast on a catalog of 20,000 products (a budget guard, not a benchmark)."""

import datetime as dt
import statistics
import time

from sqlalchemy import insert

from core.catalog.pinyin import search_keys
from core.catalog.search import search_products
from core.demo.data import demo_products
from core.models import Category, Product

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CATALOG_SIZE = 20_000
QUERIES = ("可乐", "kl", "kele", "cola", "大米 5kg", "nfsq", "牛奶", "k", "水饺", "zzzz", "%")
P95_BUDGET_SECONDS = 0.05  # the target is 20 ms; the margin absorbs slow CI machines


def _rows(category_id):
    """The demo catalog repeated with a "N号" suffix, keys computed once per base name."""
    specs = demo_products()
    keys = [search_keys(spec.name_zh) for spec in specs]
    for n in range(CATALOG_SIZE):
        spec = specs[n % len(specs)]
        round_ = n // len(specs)
        suffix = f" {round_}号" if round_ else ""
        full, initials = keys[n % len(specs)]
        yield {
            "sku": f"BENCH-{n:05d}",
            "category_id": category_id,
            "name_zh": spec.name_zh + suffix,
            "name_en": spec.name_en,
            "unit_zh": spec.unit_zh,
            "unit_en": spec.unit_en,
            "price_fen": spec.price_fen,
            "reference_price_fen": spec.reference_price_fen,
            "heavy": spec.heavy,
            "stock": spec.stock,
            "active": n % 50 != 0,
            "search_pinyin": f"{full}{round_}hao" if round_ else full,
            "search_initials": f"{initials}{round_}h" if round_ else initials,
            "updated_at": NOW,
        }


async def test_search_p95_stays_within_budget_over_20000_products(db):
    async with db.uow() as uow:
        category = Category(code="bench", name_zh="测试", name_en="Bench", sort_order=0)
        uow.session.add(category)
        await uow.session.flush()
        await uow.session.execute(insert(Product), list(_rows(category.id)))
        await uow.commit()
    # Best of three rounds: a busy machine slows a round down, a slow query slows them all.
    p95 = min([await _p95(db) for _ in range(3)])
    print(f"search p95 over {CATALOG_SIZE} products: {p95 * 1000:.1f} ms")
    assert p95 < P95_BUDGET_SECONDS


async def _p95(db):
    timings = []
    async with db.uow() as uow:
        for query in QUERIES:
            await search_products(uow, query)  # warm the page cache and statement cache
        for _ in range(5):
            for query in QUERIES:
                started = time.perf_counter()
                await search_products(uow, query)
                timings.append(time.perf_counter() - started)
    return statistics.quantiles(timings, n=20)[-1]
