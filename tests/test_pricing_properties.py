"""Properties of every quote, over random carts, gifts, promotions and customers.

What holds for every quote (fee = policy.shipping_fee_fen, threshold = its free-shipping line):
- total == goods - discount + shipping, and total >= 0;
- 0 <= discount <= goods; goods == sum of paid lines; every amount is a plain int;
- shipping is 0 or fee; it is 0 exactly when the cart is empty, the promo waives it,
  or goods - discount >= threshold;
- when shipping is charged, free_shipping_missing == threshold - (goods - discount) > 0,
  otherwise it is 0; so with fee > 0, free_shipping_missing == 0 iff shipping == 0;
- saving == reference - (goods - discount), gifts excluded from both;
- gift lines cost 0, follow every paid line, and appear at most once per rule;
- a refused promo leaves the same quote as no promo, plus the refusal (non-strict),
  or raises that refusal (strict);
- splitting a line into several lines of the same product does not change the quote.
Not a property: a promo never raising the total. A discount can pull goods below the
free-shipping line and so add the fee (9000 goods, 200 off: 8800 + 300 = 9100 > 9000);
what holds is total(promo) <= total(no promo) + fee.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import PromoError
from core.money import Rounding
from core.pricing.quote import quote
from core.pricing.types import (
    Benefit,
    CartItem,
    CustomerFacts,
    GiftOffer,
    PricedProduct,
    PricingPolicy,
    PromoRule,
    Quote,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PRODUCT_IDS = st.integers(min_value=1, max_value=6)
FEN = st.integers(min_value=0, max_value=20_000)


@st.composite
def products(draw: st.DrawFn, product_id: int | None = None) -> PricedProduct:
    """A product with any list, reference and (maybe) deal price."""
    pid = draw(PRODUCT_IDS) if product_id is None else product_id
    return PricedProduct(
        product_id=pid,
        sku=f"SKU-{pid}",
        list_price_fen=draw(FEN),
        reference_price_fen=draw(FEN),
        deal_price_fen=draw(st.none() | FEN),
    )


@st.composite
def carts(draw: st.DrawFn) -> list[CartItem]:
    """Up to 6 lines over 6 products (so duplicates happen), merged quantities <= 90."""
    catalog = {pid: draw(products(pid)) for pid in range(1, 7)}
    return [
        CartItem(catalog[draw(PRODUCT_IDS)], draw(st.integers(min_value=1, max_value=15)))
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    ]


@st.composite
def gift_offers(draw: st.DrawFn) -> GiftOffer:
    """A gift rule on a random trigger with random stock."""
    return GiftOffer(
        rule_id=draw(st.integers(min_value=1, max_value=4)),
        trigger_product_id=draw(PRODUCT_IDS),
        min_quantity=draw(st.integers(min_value=1, max_value=10)),
        gift=draw(products(product_id=100)),
        gift_quantity=draw(st.integers(min_value=1, max_value=3)),
        stock_left=draw(st.integers(min_value=0, max_value=5)),
    )


@st.composite
def any_promos(draw: st.DrawFn) -> PromoRule:
    """Any benefit, with conditions that may or may not hold (mostly refused)."""
    benefit = draw(st.sampled_from(Benefit))
    moment = st.none() | st.sampled_from(
        [NOW - dt.timedelta(days=1), NOW, NOW + dt.timedelta(days=1)]
    )
    return PromoRule(
        promotion_id=7,
        code="ANY",
        benefit=benefit,
        product_id=draw(PRODUCT_IDS),
        fixed_price_fen=draw(FEN),
        amount_off_fen=draw(st.integers(min_value=0, max_value=50_000)),
        percent_off=draw(st.integers(min_value=0, max_value=100)),
        rounding=draw(st.sampled_from(Rounding)),
        first_order_only=draw(st.booleans()),
        min_spend_fen=draw(st.sampled_from([0, 0, 1000, 9000])),
        valid_from=draw(moment),
        valid_until=draw(moment),
        per_customer_limit=draw(st.integers(min_value=1, max_value=2)),
        total_cap=draw(st.none() | st.integers(min_value=0, max_value=3)),
        redeemed_count=draw(st.integers(min_value=0, max_value=3)),
        unit_id=draw(st.none() | st.integers(min_value=1, max_value=2)),
        for_elderly=draw(st.booleans()),
        for_children=draw(st.booleans()),
        for_pregnant=draw(st.booleans()),
        active=draw(st.integers(min_value=0, max_value=9)) > 0,
    )


@st.composite
def open_promos(draw: st.DrawFn) -> PromoRule:
    """Any benefit with no condition but min spend, so most are accepted."""
    return dataclasses.replace(
        draw(any_promos()),
        active=True,
        valid_from=None,
        valid_until=None,
        first_order_only=False,
        unit_id=None,
        for_elderly=False,
        for_children=False,
        for_pregnant=False,
        per_customer_limit=99,
        total_cap=None,
    )


def promos() -> st.SearchStrategy[PromoRule]:
    """Half open offers (to exercise every benefit), half anything (to exercise refusals)."""
    return open_promos() | any_promos()


customers = st.builds(
    CustomerFacts,
    unit_id=st.none() | st.integers(min_value=1, max_value=2),
    is_first_order=st.booleans(),
    has_elderly=st.booleans(),
    has_children=st.booleans(),
    has_pregnant=st.booleans(),
    promo_uses=st.dictionaries(st.just(7), st.integers(min_value=0, max_value=2)),
)
policies = st.builds(
    PricingPolicy,
    shipping_fee_fen=st.integers(min_value=1, max_value=1000),
    free_shipping_threshold_fen=st.integers(min_value=0, max_value=20_000),
)
AMOUNT_FIELDS = (
    "goods_fen",
    "discount_fen",
    "shipping_fen",
    "total_fen",
    "reference_fen",
    "saving_fen",
    "free_shipping_missing_fen",
)


def without_error(result: Quote) -> Quote:
    """The quote minus its explanation, to compare with a promo-less quote."""
    return dataclasses.replace(result, promo_error=None)


@settings(max_examples=300)
@given(
    items=carts(),
    gifts=st.lists(gift_offers(), max_size=4),
    promo=st.none() | promos(),
    customer=st.none() | customers,
    policy=policies,
)
def test_every_quote_keeps_its_invariants(items, gifts, promo, customer, policy):
    result = quote(items, policy=policy, now=NOW, gifts=gifts, promo=promo, customer=customer)
    net = result.goods_fen - result.discount_fen

    assert all(type(getattr(result, name)) is int for name in AMOUNT_FIELDS)
    assert all(type(line.line_fen) is int for line in result.lines)
    assert result.total_fen == net + result.shipping_fen
    assert result.total_fen >= 0
    assert 0 <= result.discount_fen <= result.goods_fen
    assert result.goods_fen == sum(line.line_fen for line in result.paid_lines)
    assert result.shipping_fen in {0, policy.shipping_fee_fen}

    waived = result.promo is not None and result.promo.shipping_waived
    ships_free = not result.paid_lines or waived or net >= policy.free_shipping_threshold_fen
    assert (result.shipping_fen == 0) == ships_free
    if ships_free:
        assert result.free_shipping_missing_fen == 0
    else:
        assert result.free_shipping_missing_fen == policy.free_shipping_threshold_fen - net > 0
    assert (result.free_shipping_missing_fen == 0) == (result.shipping_fen == 0)

    paid_reference = sum(line.reference_price_fen * line.quantity for line in result.paid_lines)
    assert result.reference_fen == paid_reference
    assert result.saving_fen == result.reference_fen - net

    gift_lines = result.gift_lines
    assert result.lines == result.paid_lines + gift_lines
    assert all(line.line_fen == 0 and line.unit_price_fen == 0 for line in gift_lines)
    assert len({line.gift_rule_id for line in gift_lines}) == len(gift_lines)
    assert all(1 <= line.quantity <= 99 for line in result.lines)
    assert (result.promo is None) or (result.promo_error is None)


@settings(max_examples=200)
@given(items=carts(), promo=promos(), customer=customers, policy=policies)
def test_refused_promo_quotes_like_no_promo_or_raises_when_strict(items, promo, customer, policy):
    plain = quote(items, policy=policy, now=NOW, customer=customer)
    lenient = quote(items, policy=policy, now=NOW, promo=promo, customer=customer)
    if lenient.promo_error is None:
        assert lenient.promo is not None
        assert lenient.total_fen <= plain.total_fen + policy.shipping_fee_fen
        return
    assert without_error(lenient) == plain
    with pytest.raises(type(lenient.promo_error)):
        quote(items, policy=policy, now=NOW, promo=promo, customer=customer, strict=True)


@settings(max_examples=200)
@given(items=carts(), promo=promos(), customer=customers, policy=policies)
def test_strict_and_lenient_agree_when_the_promo_is_accepted(items, promo, customer, policy):
    try:
        strict = quote(items, policy=policy, now=NOW, promo=promo, customer=customer, strict=True)
    except PromoError:
        return
    assert quote(items, policy=policy, now=NOW, promo=promo, customer=customer) == strict


@given(items=carts(), gifts=st.lists(gift_offers(), max_size=4), policy=policies)
def test_splitting_a_line_into_single_units_changes_nothing(items, gifts, policy):
    split = [CartItem(item.product, 1) for item in items for _ in range(item.quantity)]
    whole = quote(items, policy=policy, now=NOW, gifts=gifts)
    assert quote(split, policy=policy, now=NOW, gifts=gifts) == whole
