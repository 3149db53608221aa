"""Gather what the pure pricing engine needs from the database, once, for cart and checkout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select

from core.catalog.gifts import gift_offers_for
from core.errors import EmptyCart, InvalidQuantity, ProductUnavailable, PromoUnknown
from core.models import Customer, DealEntry, Product, Promotion
from core.orders.promotions import customer_facts, promotion_by_code, rule_for
from core.people.customers import live_order_count
from core.platform.clock import local_now
from core.platform.uow import UnitOfWork
from core.pricing.quote import quote
from core.pricing.types import (
    CartItem,
    CustomerFacts,
    GiftOffer,
    PricedProduct,
    PricingPolicy,
    PromoRule,
    Quote,
)

MAX_QUANTITY = 99
MAX_LINES = 60

# Built once: every cart view and checkout runs it, and building costs more than running.
_PRODUCTS_WITH_DEALS = (
    select(Product, DealEntry.deal_price_fen)
    .outerjoin(
        DealEntry,
        (DealEntry.product_id == Product.id) & (DealEntry.deal_date == bindparam("today")),
    )
    .where(Product.id.in_(bindparam("ids", expanding=True)))
)


@dataclass(frozen=True)
class PricedCart:
    """A quote plus the rows it was computed from (checkout writes snapshots from them)."""

    quote: Quote
    products: dict[int, Product]
    promotion: Promotion | None
    live_orders: int | None  # known only when a promotion needed it


def merge_items(items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge duplicate products and refuse silly quantities before touching the database."""
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidQuantity(quantity=quantity, maximum=MAX_QUANTITY)
        merged[product_id] = merged.get(product_id, 0) + quantity
        if merged[product_id] > MAX_QUANTITY:
            raise InvalidQuantity(quantity=merged[product_id], maximum=MAX_QUANTITY)
    if len(merged) > MAX_LINES:
        raise InvalidQuantity(quantity=len(merged), maximum=MAX_LINES)
    return list(merged.items())


def policy_of(uow: UnitOfWork) -> PricingPolicy:
    """Shipping rules from the settings."""
    return PricingPolicy(
        shipping_fee_fen=uow.settings.shipping_fee_fen,
        free_shipping_threshold_fen=uow.settings.free_shipping_threshold_fen,
    )


@dataclass(frozen=True)
class PricingInputs:
    """The rows a quote of these items needs: loaded once, priced with any promotion."""

    cart: list[CartItem]
    products: dict[int, Product]
    gifts: list[GiftOffer]


async def load_inputs(uow: UnitOfWork, items: Sequence[tuple[int, int]]) -> PricingInputs:
    """Products with today's deal prices and the gift rules they trigger (two queries)."""
    merged = merge_items(items)
    if not merged:
        raise EmptyCart()
    ids = [product_id for product_id, _ in merged]
    today = local_now(uow.clock, uow.settings.tz).date()
    rows = await uow.session.execute(_PRODUCTS_WITH_DEALS, {"ids": ids, "today": today})
    products: dict[int, Product] = {}
    deals: dict[int, int] = {}
    for product, deal_price in rows.all():
        products[product.id] = product
        if deal_price is not None:
            deals[product.id] = deal_price
    for product_id in ids:
        product = products.get(product_id)
        if product is None or not product.active:
            raise ProductUnavailable(sku=product.sku if product else str(product_id))
    cart = [
        CartItem(
            product=PricedProduct(
                product_id=product_id,
                sku=products[product_id].sku,
                list_price_fen=products[product_id].price_fen,
                reference_price_fen=products[product_id].reference_price_fen,
                deal_price_fen=deals.get(product_id),
            ),
            quantity=quantity,
        )
        for product_id, quantity in merged
    ]
    return PricingInputs(cart=cart, products=products, gifts=await gift_offers_for(uow, ids))


def quote_inputs(
    uow: UnitOfWork,
    inputs: PricingInputs,
    *,
    promo: PromoRule | None,
    customer: CustomerFacts | None,
    strict: bool,
) -> Quote:
    """The pure quote of loaded inputs (cheap: the coupon check runs it once per coupon)."""
    return quote(
        inputs.cart,
        policy=policy_of(uow),
        now=uow.clock.now(),
        gifts=inputs.gifts,
        promo=promo,
        customer=customer,
        strict=strict,
    )


async def price_items(
    uow: UnitOfWork,
    customer: Customer,
    items: Sequence[tuple[int, int]],
    *,
    promo_code: str | None,
    strict: bool,
    inputs: PricingInputs | None = None,
) -> PricedCart:
    """Quote ``items`` for ``customer`` today; strict=True raises any promo refusal."""
    inputs = inputs or await load_inputs(uow, items)
    promotion, unknown = None, None
    if promo_code:
        try:
            promotion = await promotion_by_code(uow, promo_code)
        except PromoUnknown as refusal:
            if strict:
                raise
            unknown = refusal
    # Only promotions care about order history; skip the queries on the common path.
    live_orders = await live_order_count(uow, customer.id) if promotion else None
    facts = (
        await customer_facts(uow, customer, live_orders=live_orders, promotion_ids=[promotion.id])
        if promotion and live_orders is not None
        else None
    )
    priced = quote_inputs(
        uow,
        inputs,
        promo=await rule_for(uow, promotion) if promotion else None,
        customer=facts,
        strict=strict,
    )
    if unknown is not None:
        priced = replace(priced, promo_error=unknown)
    return PricedCart(
        quote=priced, products=inputs.products, promotion=promotion, live_orders=live_orders
    )
