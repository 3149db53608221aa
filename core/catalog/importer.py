"""Catalog CSV import: validate every row first, then upsert by SKU in one transaction."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from tqdm import tqdm

from core.catalog.csv_rows import CatalogRow, RowError, parse_catalog
from core.catalog.search import index_product
from core.models import Category, Product
from core.platform.uow import UnitOfWork

_IN_CHUNK = 500
_FLUSH_EVERY = 1000


@dataclass(frozen=True)
class ImportReport:
    """What an import did; with any error it did nothing at all."""

    created: int
    updated: int
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """True when the rows went in."""
        return not self.errors


async def _existing(uow: UnitOfWork, skus: Sequence[str]) -> dict[str, Product]:
    """Products already listed under these SKUs, fetched in chunks to stay under bind limits."""
    found: dict[str, Product] = {}
    for start in range(0, len(skus), _IN_CHUNK):
        chunk = skus[start : start + _IN_CHUNK]
        for product in await uow.session.scalars(select(Product).where(Product.sku.in_(chunk))):
            found[product.sku] = product
    return found


def _apply(product: Product, row: CatalogRow, category_id: int) -> None:
    """Copy a validated row onto a product and re-index its pinyin."""
    product.category_id = category_id
    product.name_zh = row.name_zh
    product.name_en = row.name_en
    product.unit_zh = row.unit_zh
    product.unit_en = row.unit_en
    product.price_fen = row.price_fen
    product.reference_price_fen = row.reference_price_fen
    product.heavy = row.heavy
    product.stock = row.stock
    product.care_note_zh = row.care_note_zh
    product.care_note_en = row.care_note_en
    index_product(product)


Progress = Callable[[int, int], None]  # (rows done, rows in the file)


async def import_catalog(
    uow: UnitOfWork, data: bytes, *, progress: bool = False, on_progress: Progress | None = None
) -> ImportReport:
    """Import a catalog CSV; the caller commits only when the report has no errors.

    ``progress`` draws a terminal bar (the CLI); ``on_progress`` hears (done, total) as
    rows are written (the console's progress bar), at the flushes and at the end.

    New SKUs are listed (active); existing ones keep their listed/delisted state, so a
    routine price file never silently re-lists a product HQ took off the shelf.
    """
    rows = await uow.session.execute(select(Category.code, Category.id))
    codes = {code: category_id for code, category_id in rows}
    parsed = parse_catalog(data, codes.keys())
    if parsed.errors:
        return ImportReport(created=0, updated=0, errors=parsed.errors)
    existing = await _existing(uow, [row.sku for row in parsed.rows])
    now = uow.clock.now()
    created = 0
    bar = tqdm(
        parsed.rows,
        desc="importing",
        unit="row",
        file=sys.stderr,
        disable=not progress or not sys.stderr.isatty(),
    )
    for done, row in enumerate(bar, start=1):
        product = existing.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, active=True)
            uow.session.add(product)
            created += 1
        _apply(product, row, codes[row.category])
        product.updated_at = now
        if done % _FLUSH_EVERY == 0:
            await uow.session.flush()  # so the bar tracks the database work too
            if on_progress is not None:
                on_progress(done, len(parsed.rows))
    await uow.session.flush()
    if on_progress is not None:
        on_progress(len(parsed.rows), len(parsed.rows))
    return ImportReport(created=created, updated=len(parsed.rows) - created, errors=())
