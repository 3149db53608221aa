"""Finding products: by Chinese substring, English name, or pinyin and its initials."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select

from core.catalog.pinyin import normalise_query, search_keys
from core.catalog.search_index import SearchIndex, find
from core.errors import NotFound
from core.models import Category, Product
from core.platform.uow import UnitOfWork

MAX_QUERY_CHARS = 50
MAX_TOKENS = 5
_LATIN = re.compile(r"^[a-z0-9]+$")
_HAS_ASCII_LETTER = re.compile(r"[a-z]")
_PINYIN_MAX: int = Product.__table__.c.search_pinyin.type.length
_INITIALS_MAX: int = Product.__table__.c.search_initials.type.length


def index_product(product: Product) -> None:
    """Refresh the pinyin keys after the Chinese name is set or changed."""
    full, initials = search_keys(product.name_zh)
    product.search_pinyin = full[:_PINYIN_MAX]
    product.search_initials = initials[:_INITIALS_MAX]


async def search_products(
    uow: UnitOfWork, query: str, *, limit: int = 20, offset: int = 0
) -> list[Product]:
    """Active products matching every typed word; best matches, then shorter names, first.

    Empty or over-long queries find nothing rather than the whole catalog.
    """
    ids = await matching_ids(uow, query, limit=limit, offset=offset)
    if not ids:
        return []
    rows = await uow.session.scalars(select(Product).where(Product.id.in_(ids)))
    by_id = {product.id: product for product in rows if product.active}
    return [by_id[product_id] for product_id in ids if product_id in by_id]


async def matching_ids(
    uow: UnitOfWork, query: str, *, limit: int = 20, offset: int = 0
) -> list[int]:
    """The ids ``search_products`` would return, best first, from the index alone.

    Callers that show cached display rows (``core.catalog.reference``) skip the ORM load;
    the index may list a product delisted since, so they drop inactive ones themselves.
    """
    text = normalise_query(query)
    if not text or len(text) > MAX_QUERY_CHARS or limit <= 0:
        return []
    tokens = text.split(" ")[:MAX_TOKENS]
    index = uow.db.caches.setdefault("search_index", SearchIndex())
    return find(await index.entries(uow), text, tokens, limit, max(0, offset))


async def products_in_category(
    uow: UnitOfWork,
    category_id: int,
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[Product]:
    """An aisle's active products in pinyin order, as a Chinese shopper expects them sorted."""
    params = {"category_id": category_id, "limit": max(0, limit), "offset": max(0, offset)}
    return list(await uow.session.scalars(_AISLE_PAGE, params))


_AISLE_PAGE = (
    select(Product)
    .where(Product.category_id == bindparam("category_id"), Product.active.is_(True))
    .order_by(Product.search_pinyin, Product.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


async def categories(uow: UnitOfWork) -> list[Category]:
    """Every aisle in the order HQ arranged them."""
    rows = await uow.session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    return list(rows)


async def product_by_sku(uow: UnitOfWork, sku: str) -> Product:
    """A product by its SKU, listed or not (callers decide whether delisted matters)."""
    product = await uow.session.scalar(select(Product).where(Product.sku == sku.strip()))
    if product is None:
        raise NotFound(what="product", key=sku)
    return product


async def product_by_id(uow: UnitOfWork, product_id: int) -> Product | None:
    """A product by id, listed or not; None when there is none (a stale button)."""
    return await uow.session.get(Product, product_id)


async def products_by_ids(uow: UnitOfWork, product_ids: list[int]) -> dict[int, Product]:
    """Products by id, in one query; ids with no product are left out."""
    if not product_ids:
        return {}
    rows = await uow.session.scalars(select(Product).where(Product.id.in_(product_ids)))
    return {product.id: product for product in rows}


async def category_by_id(uow: UnitOfWork, category_id: int) -> Category | None:
    """An aisle by id; None when there is none (a stale button)."""
    return await uow.session.get(Category, category_id)
