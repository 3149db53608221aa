"""Promo-code rules: whether a promotion may apply to this cart and customer, and what it gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from core.errors import (
    PromoAlreadyUsed,
    PromoCapReached,
    PromoExpired,
    PromoFirstOrderOnly,
    PromoItemNotInCart,
    PromoMinSpendNotMet,
    PromoNotInUnit,
    PromoNotStarted,
    PromoProfileMismatch,
    PromoUnknown,
)
from core.money import percent_of, require_fen
from core.pricing.lines import unit_price
from core.pricing.types import (
    Benefit,
    CartItem,
    CustomerFacts,
    PricedProduct,
    PricingPolicy,
    PromoRule,
)


def check_promo(
    rule: PromoRule,
    *,
    goods_fen: int,
    items: Sequence[CartItem],
    customer: CustomerFacts,
    now: dt.datetime,
) -> None:
    """Raise the first named refusal, in a fixed order, so the customer hears the real reason."""
    require_fen(goods_fen, "goods_fen")
    code = rule.code
    if not rule.active:
        raise PromoUnknown(code)
    if rule.valid_from is not None and now < rule.valid_from:
        raise PromoNotStarted(code, rule.valid_from)
    if rule.valid_until is not None and now >= rule.valid_until:
        raise PromoExpired(code, rule.valid_until)
    if rule.unit_id is not None and customer.unit_id != rule.unit_id:
        raise PromoNotInUnit(code)
    if rule.first_order_only and not customer.is_first_order:
        raise PromoFirstOrderOnly(code)
    _check_profile(rule, customer)
    if customer.promo_uses.get(rule.promotion_id, 0) >= rule.per_customer_limit:
        raise PromoAlreadyUsed(code, rule.per_customer_limit)
    if rule.total_cap is not None and rule.redeemed_count >= rule.total_cap:
        raise PromoCapReached(code, rule.total_cap)
    min_spend_fen = require_fen(rule.min_spend_fen, "min_spend_fen")
    if goods_fen < min_spend_fen:
        raise PromoMinSpendNotMet(code, min_spend_fen, min_spend_fen - goods_fen)
    if rule.benefit == Benefit.FIXED_PRICE_ITEM:
        _target_product(rule, items)


def _check_profile(rule: PromoRule, customer: CustomerFacts) -> None:
    """A household-targeted offer needs at least one of its targeted, consented flags."""
    targets = (
        ("elderly", rule.for_elderly, customer.has_elderly),
        ("children", rule.for_children, customer.has_children),
        ("pregnant", rule.for_pregnant, customer.has_pregnant),
    )
    required = tuple(name for name, targeted, _ in targets if targeted)
    if required and not any(targeted and has for _, targeted, has in targets):
        raise PromoProfileMismatch(rule.code, required)


def _target_product(rule: PromoRule, items: Sequence[CartItem]) -> PricedProduct:
    """The cart's product a fixed-price offer is for; refused when it is not in the cart."""
    if rule.product_id is None:
        raise ValueError(f"fixed-price promotion {rule.code!r} names no product")
    for item in items:
        if item.product.product_id == rule.product_id:
            return item.product
    raise PromoItemNotInCart(rule.code, rule.product_sku or str(rule.product_id))


def promo_discount(
    rule: PromoRule,
    *,
    goods_fen: int,
    items: Sequence[CartItem],
    policy: PricingPolicy,
) -> tuple[int, bool]:
    """(discount_fen, shipping_waived) of an already-checked rule; never more than the goods.

    ``policy`` is part of the contract for benefits priced from shipping rules; free
    shipping is reported as a waiver, not as a discount, so the goods total stays honest.
    """
    require_fen(goods_fen, "goods_fen")
    if rule.benefit == Benefit.FREE_SHIPPING:
        return 0, True
    discount_fen = _raw_discount(rule, goods_fen=goods_fen, items=items)
    return max(0, min(discount_fen, goods_fen)), False


def _raw_discount(rule: PromoRule, *, goods_fen: int, items: Sequence[CartItem]) -> int:
    """What the benefit is worth before capping at the goods total."""
    if rule.benefit == Benefit.FIXED_PRICE_ITEM:
        fixed_fen = _param(rule.fixed_price_fen, rule, "fixed_price_fen")
        price_fen, _ = unit_price(_target_product(rule, items))
        return max(0, price_fen - fixed_fen)
    if rule.benefit == Benefit.AMOUNT_OFF:
        return min(_param(rule.amount_off_fen, rule, "amount_off_fen"), goods_fen)
    if rule.benefit == Benefit.PERCENT_OFF:
        percent = _param(rule.percent_off, rule, "percent_off")
        return percent_of(goods_fen, percent, rule.rounding)
    raise ValueError(f"promotion {rule.code!r} has an unknown benefit {rule.benefit!r}")


def _param(value: int | None, rule: PromoRule, what: str) -> int:
    """A benefit's amount must be stored with it; a missing one is a data bug, not a zero."""
    if value is None:
        raise ValueError(f"promotion {rule.code!r} ({rule.benefit}) has no {what}")
    fen = require_fen(value, what)
    if fen < 0:
        raise ValueError(f"promotion {rule.code!r} has a negative {what}")
    return fen
