"""Quote a cart: priced lines, gifts, one promotion, shipping and the saving vs the supermarket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from core.errors import PromoError
from core.pricing.lines import merge_items, paid_line, require_price
from core.pricing.promotions import check_promo, promo_discount
from core.pricing.types import (
    AppliedPromo,
    CartItem,
    CustomerFacts,
    GiftOffer,
    PriceSource,
    PricingPolicy,
    PromoRule,
    Quote,
    QuoteLine,
)

ANONYMOUS = CustomerFacts(unit_id=None, is_first_order=True)


def quote(
    items: Sequence[CartItem],
    *,
    policy: PricingPolicy,
    now: dt.datetime,
    gifts: Sequence[GiftOffer] = (),
    promo: PromoRule | None = None,
    customer: CustomerFacts | None = None,
    strict: bool = False,
) -> Quote:
    """Price a cart the same way for the cart screen (strict=False) and checkout (strict=True).

    A refused promotion raises when ``strict``; otherwise the quote omits it and carries
    the refusal in ``promo_error`` so the cart screen can say why.
    """
    fee_fen = require_price(policy.shipping_fee_fen, "shipping_fee_fen")
    threshold_fen = require_price(policy.free_shipping_threshold_fen, "free_shipping_threshold_fen")
    merged = merge_items(items)
    paid = tuple(paid_line(item) for item in merged)
    goods_fen = sum(line.line_fen for line in paid)
    lines = paid + _gift_lines(merged, gifts)

    applied: AppliedPromo | None = None
    error: PromoError | None = None
    if promo is not None:
        try:
            applied = _apply_promo(
                promo,
                goods_fen=goods_fen,
                items=merged,
                customer=customer or ANONYMOUS,
                policy=policy,
                now=now,
            )
        except PromoError as refusal:
            if strict:
                raise
            error = refusal

    discount_fen = applied.discount_fen if applied else 0
    waived = applied.shipping_waived if applied else False
    net_fen = goods_fen - discount_fen
    free = not paid or waived or net_fen >= threshold_fen
    reference_fen = sum(line.reference_price_fen * line.quantity for line in paid)
    shipping_fen = 0 if free else fee_fen
    return Quote(
        lines=lines,
        goods_fen=goods_fen,
        discount_fen=discount_fen,
        shipping_fen=shipping_fen,
        total_fen=net_fen + shipping_fen,
        reference_fen=reference_fen,
        saving_fen=reference_fen - net_fen,
        free_shipping_missing_fen=0 if free else max(0, threshold_fen - net_fen),
        promo=applied,
        promo_error=error,
    )


def _apply_promo(
    rule: PromoRule,
    *,
    goods_fen: int,
    items: Sequence[CartItem],
    customer: CustomerFacts,
    policy: PricingPolicy,
    now: dt.datetime,
) -> AppliedPromo:
    """Check the rule, then value it; raises the rule's named refusal."""
    check_promo(rule, goods_fen=goods_fen, items=items, customer=customer, now=now)
    discount_fen, waived = promo_discount(rule, goods_fen=goods_fen, items=items, policy=policy)
    return AppliedPromo(
        promotion_id=rule.promotion_id,
        code=rule.code,
        benefit=rule.benefit,
        discount_fen=discount_fen,
        shipping_waived=waived,
    )


def _gift_lines(items: Sequence[CartItem], gifts: Sequence[GiftOffer]) -> tuple[QuoteLine, ...]:
    """One free line per triggered rule while its stock covers it; never multiplied by quantity."""
    quantities = {item.product.product_id: item.quantity for item in items}
    seen: set[int] = set()
    lines: list[QuoteLine] = []
    for offer in gifts:
        if offer.rule_id in seen:
            continue
        if offer.gift_quantity < 1:
            raise ValueError(f"gift rule {offer.rule_id} gives {offer.gift_quantity} units")
        bought = quantities.get(offer.trigger_product_id, 0)
        if bought == 0 or bought < offer.min_quantity or offer.stock_left < offer.gift_quantity:
            continue
        seen.add(offer.rule_id)
        lines.append(
            QuoteLine(
                product_id=offer.gift.product_id,
                sku=offer.gift.sku,
                quantity=offer.gift_quantity,
                unit_price_fen=0,
                list_price_fen=offer.gift.list_price_fen,
                reference_price_fen=offer.gift.reference_price_fen,
                line_fen=0,
                price_source=PriceSource.GIFT,
                gift_rule_id=offer.rule_id,
            )
        )
    return tuple(lines)
