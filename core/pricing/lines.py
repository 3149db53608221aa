"""Turn cart items into priced lines: quantity rules, merging, and deal-vs-list price."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import InvalidQuantity
from core.money import require_fen
from core.pricing.types import CartItem, PricedProduct, PriceSource, QuoteLine

MAX_QUANTITY = 99


def require_price(value: object, what: str) -> int:
    """Accept only non-negative integer fen, so a bad catalog row cannot make a total negative."""
    fen = require_fen(value, what)
    if fen < 0:
        raise ValueError(f"{what} must not be negative, got {fen}")
    return fen


def require_quantity(quantity: object) -> int:
    """Quantities are whole units 1..99; bools and floats are refused, not coerced."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(quantity, maximum=MAX_QUANTITY)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(quantity, maximum=MAX_QUANTITY)
    return quantity


def unit_price(product: PricedProduct) -> tuple[int, PriceSource]:
    """The price a unit sells for today: the deal price only when it really is cheaper."""
    list_fen = require_price(product.list_price_fen, "list_price_fen")
    require_price(product.reference_price_fen, "reference_price_fen")
    if product.deal_price_fen is not None:
        deal_fen = require_price(product.deal_price_fen, "deal_price_fen")
        if deal_fen < list_fen:
            return deal_fen, PriceSource.DEAL
    return list_fen, PriceSource.LIST


def merge_items(items: Sequence[CartItem]) -> tuple[CartItem, ...]:
    """One line per product, in first-seen order, so a product added twice is priced once."""
    quantities: dict[int, int] = {}
    products: dict[int, PricedProduct] = {}
    for item in items:
        quantity = require_quantity(item.quantity)
        product_id = item.product.product_id
        products.setdefault(product_id, item.product)
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    merged = tuple(CartItem(products[pid], qty) for pid, qty in quantities.items())
    for item in merged:
        require_quantity(item.quantity)
    return merged


def paid_line(item: CartItem) -> QuoteLine:
    """Price one merged cart item."""
    price_fen, source = unit_price(item.product)
    return QuoteLine(
        product_id=item.product.product_id,
        sku=item.product.sku,
        quantity=item.quantity,
        unit_price_fen=price_fen,
        list_price_fen=item.product.list_price_fen,
        reference_price_fen=item.product.reference_price_fen,
        line_fen=price_fen * item.quantity,
        price_source=source,
    )
