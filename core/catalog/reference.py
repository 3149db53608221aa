"""What browse screens show, kept per process: aisles, product display rows, today's deals.

Why: every aisle page, card and deals page used to load ORM rows (~0.2 ms an entity)
for data that changes a few times a day. The snapshot lives in ``Database.caches`` and
is rebuilt when

- a committed ORM write in this process touched a category, product, deal or promotion
  (``_note_catalog_writes``; checked on the next read, so this process sees it at once),
- or it is older than ``STALE_AFTER`` (writes by another process or by bulk Core
  statements are seen within that bound),
- or the Shanghai business day changed (deals are per day).

Stock is not here: it changes with every order, so screens read it live
(``live_stock``). Nothing here is used by the cart's pricing or checkout, which read the
database inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, UOWTransaction

from core.models import Category, DealEntry, Partner, Product, Promotion
from core.platform.uow import UnitOfWork

# The staleness bound of what customers see on browse screens for changes made elsewhere.
STALE_AFTER = dt.timedelta(seconds=5)
_KEY = "catalog_reference"
# Partners too: which Telegram accounts are partners is asked on every menu (core/people/units.py).
_CATALOG_TYPES = (Category, Product, DealEntry, Promotion, Partner)
T = TypeVar("T")
_WRITES = {"generation": 0}  # bumped by every committed ORM catalog write in this process


@dataclass(frozen=True, slots=True)
class Aisle:
    """A category as the aisle list shows it."""

    id: int
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ProductView:
    """A product's display columns (no stock: read that live)."""

    id: int
    sku: str
    category_id: int
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    reference_price_fen: int
    heavy: bool
    care_note_zh: str | None
    care_note_en: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent read of the browse data, for one business day."""

    day: dt.date
    aisles: tuple[Aisle, ...]
    aisle_by_id: dict[int, Aisle]
    products: dict[int, ProductView]
    aisle_products: dict[int, tuple[int, ...]]  # active products, pinyin order
    deals: dict[int, int]  # product id → today's deal price, only when below the price
    deals_ranked: tuple[int, ...]  # active products on deal, deepest saving first

    def aisle_page(self, category_id: int, *, limit: int, offset: int) -> list[ProductView]:
        """A slice of an aisle's active products, as ``products_in_category`` orders them."""
        ids = self.aisle_products.get(category_id, ())[max(0, offset) : max(0, offset) + limit]
        return [self.products[product_id] for product_id in ids]

    def deals_page(self, *, limit: int, offset: int) -> list[tuple[ProductView, int]]:
        """A slice of today's deals with their prices, as ``deals_for`` orders them."""
        ids = self.deals_ranked[max(0, offset) : max(0, offset) + max(0, limit)]
        return [(self.products[product_id], self.deals[product_id]) for product_id in ids]

    def listed(self, product_id: int) -> ProductView | None:
        """The product if it is on sale (delisted and unknown ones are None)."""
        product = self.products.get(product_id)
        return product if product is not None and product.active else None


async def browse_data(uow: UnitOfWork, day: dt.date) -> Snapshot:
    """The current snapshot for ``day``, rebuilt when written, too old or of another day."""
    entry = uow.db.caches.get(_KEY)
    if entry is not None and entry[2].day != day:
        del uow.db.caches[_KEY]  # deals are per day: yesterday's snapshot is of no use
    return await remembered(uow, _KEY, lambda u: _load(u, day))


async def remembered(uow: UnitOfWork, key: str, load: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Read-mostly reference data kept per process: reloaded after a catalog write
    committed here, or once older than ``STALE_AFTER``."""
    now = uow.clock.now()
    entry: tuple[int, dt.datetime, T] | None = uow.db.caches.get(key)
    if entry is None or not _fresh(entry[0], entry[1], now):
        generation = _WRITES["generation"]
        entry = (generation, now, await load(uow))
        uow.db.caches[key] = entry
    return entry[2]


def _fresh(generation: int, loaded_at: dt.datetime, now: dt.datetime) -> bool:
    """No catalog write committed here since, and younger than the bound (clock moved back too)."""
    return generation == _WRITES["generation"] and loaded_at <= now < loaded_at + STALE_AFTER


async def live_stock(uow: UnitOfWork, product_id: int) -> int:
    """The shelf count now (never cached: every order changes it)."""
    return int(await uow.session.scalar(_STOCK, {"product_id": product_id}) or 0)


_STOCK = select(Product.stock).where(Product.id == bindparam("product_id"))


async def _load(uow: UnitOfWork, day: dt.date) -> Snapshot:
    """Read aisles, products and the day's deals with Core statements (no ORM entities)."""
    session = uow.session
    aisles = tuple(Aisle(*row) for row in await session.execute(_AISLES))
    products: dict[int, ProductView] = {}
    aisle_products: dict[int, list[int]] = {}
    for row in await session.execute(_PRODUCTS):
        view = ProductView(*row)
        products[view.id] = view
        if view.active:
            aisle_products.setdefault(view.category_id, []).append(view.id)
    deals = {
        product_id: price
        for product_id, price in await session.execute(_DEALS, {"day": day})
        if product_id in products and price < products[product_id].price_fen
    }
    ranked = sorted(
        (product_id for product_id in deals if products[product_id].active),
        key=lambda product_id: (deals[product_id] - products[product_id].price_fen, product_id),
    )
    return Snapshot(
        day=day,
        aisles=aisles,
        aisle_by_id={aisle.id: aisle for aisle in aisles},
        products=products,
        aisle_products={key: tuple(ids) for key, ids in aisle_products.items()},
        deals=deals,
        deals_ranked=tuple(ranked),
    )


_AISLES = select(Category.id, Category.name_zh, Category.name_en).order_by(
    Category.sort_order, Category.id
)
_PRODUCTS = select(
    Product.id,
    Product.sku,
    Product.category_id,
    Product.name_zh,
    Product.name_en,
    Product.unit_zh,
    Product.unit_en,
    Product.price_fen,
    Product.reference_price_fen,
    Product.heavy,
    Product.care_note_zh,
    Product.care_note_en,
    Product.active,
).order_by(Product.search_pinyin, Product.id)
_DEALS = select(DealEntry.product_id, DealEntry.deal_price_fen).where(
    DealEntry.deal_date == bindparam("day")
)


@event.listens_for(Session, "after_flush")
def _note_catalog_writes(session: Session, _flush: UOWTransaction) -> None:
    """Mark the transaction when it flushed a change to a category, product or deal."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, _CATALOG_TYPES):
            session.info["catalog_written"] = True
            return


@event.listens_for(Session, "after_commit")
def _catalog_committed(session: Session) -> None:
    """A committed catalog write makes every snapshot of this process out of date."""
    if session.info.pop("catalog_written", False):
        _WRITES["generation"] += 1


@event.listens_for(Session, "after_rollback")
def _catalog_rolled_back(session: Session) -> None:
    """A rolled-back write changed nothing."""
    session.info.pop("catalog_written", None)
