"""Finding products: by Chinese substring, English name, or pinyin and its initials."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from core.catalog.pinyin import normalise_query, search_keys
from core.errors import NotFound
from core.models import Category, Product
from core.uow import UnitOfWork

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


def _escape(text: str) -> str:
    """Make ``%``, ``_`` and the escape character itself match literally in LIKE."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


class _Matcher:
    """Substring conditions tuned per dialect, because a 20,000-row scan runs them per row.

    SQLite's LIKE already ignores ASCII case, so no lower() per row; on PostgreSQL,
    lower() under the "C" collation is the cheap ASCII-only fold. Chinese words need no
    case folding at all, so they use the plain substring function (no LIKE escaping).
    """

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def like(self, column: ColumnElement[str], pattern: str) -> ColumnElement[bool]:
        """Case-sensitive where it can be: pinyin keys and queries are already lowercase."""
        return column.like(pattern, escape="/")

    def folded(self, column: ColumnElement[str], pattern: str) -> ColumnElement[bool]:
        """ASCII-case-insensitive LIKE, for names typed with capitals."""
        if self.sqlite:
            return column.like(pattern, escape="/")
        return func.lower(column.collate("C")).like(pattern, escape="/")

    def contains(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        """Exact substring test, faster than LIKE on multi-byte text."""
        position = func.instr if self.sqlite else func.strpos
        return position(column, text) > 0

    def token(self, token: str) -> ColumnElement[bool]:
        """One typed word: pinyin/initials/English for latin words, the Chinese name otherwise.

        Latin runs of the Chinese name ("500ml") are inside the pinyin key, lowercased.
        """
        pattern = f"%{_escape(token)}%"
        if _LATIN.match(token):
            return or_(
                self.like(Product.search_pinyin, pattern),
                self.like(Product.search_initials, pattern),
                self.folded(Product.name_en, pattern),
            )
        if _HAS_ASCII_LETTER.search(token) is None:
            return self.contains(Product.name_zh, token)
        return or_(self.folded(Product.name_zh, pattern), self.folded(Product.name_en, pattern))

    def same(self, expression: ColumnElement[str], text: str) -> ColumnElement[bool]:
        """``expression`` equals ``text`` ignoring ASCII case."""
        if self.sqlite:
            return expression.like(_escape(text), escape="/")
        return func.lower(expression.collate("C")) == text

    def equals(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        """Whole-name match; the cheap length test spares most rows the case fold."""
        return and_(func.length(column) == len(text), self.same(column, text))

    def starts(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        """Prefix match that folds only the first ``len(text)`` characters of each row."""
        return self.same(func.substr(column, 1, len(text)), text)

    def rank(self, text: str) -> ColumnElement[int]:
        """0 for an exact name or key, 1 for one that starts with the query, else 2.

        Runs on every matching row (thousands for a one-letter query), so it stays cheap.
        """
        compact = text.replace(" ", "")
        if _LATIN.match(compact):
            keys = (Product.search_pinyin, Product.search_initials)
            exact = [*(key == compact for key in keys), self.equals(Product.name_en, text)]
            prefix = [
                *(func.substr(key, 1, len(compact)) == compact for key in keys),
                self.starts(Product.name_en, text),
            ]
        else:
            names = (Product.name_zh, Product.name_en)
            exact = [self.equals(name, text) for name in names]
            prefix = [self.starts(name, text) for name in names]
        return case((or_(*exact), 0), (or_(*prefix), 1), else_=2)


async def search_products(
    uow: UnitOfWork, query: str, *, limit: int = 20, offset: int = 0
) -> list[Product]:
    """Active products matching every typed word; best matches, then shorter names, first.

    Empty or over-long queries find nothing rather than the whole catalog.
    """
    text = normalise_query(query)
    if not text or len(text) > MAX_QUERY_CHARS:
        return []
    tokens = text.split(" ")[:MAX_TOKENS]
    matcher = _Matcher(uow.db.is_sqlite)
    statement = (
        select(Product)
        .where(Product.active.is_(True), and_(*(matcher.token(token) for token in tokens)))
        .order_by(matcher.rank(text), func.length(Product.name_zh), Product.id)
        .limit(max(0, limit))
        .offset(max(0, offset))
    )
    return list(await uow.session.scalars(statement))


async def products_in_category(
    uow: UnitOfWork, category_id: int, *, limit: int = 20, offset: int = 0
) -> list[Product]:
    """An aisle's active products in pinyin order, as a Chinese shopper expects them sorted."""
    statement = (
        select(Product)
        .where(Product.category_id == category_id, Product.active.is_(True))
        .order_by(Product.search_pinyin, Product.id)
        .limit(max(0, limit))
        .offset(max(0, offset))
    )
    return list(await uow.session.scalars(statement))


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
