"""Quoting a cart: lines, deals, gifts, shipping boundary, saving, strictness, quantities."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidQuantity, PromoExpired, PromoMinSpendNotMet
from core.pricing.quote import quote
from core.pricing.types import (
    Benefit,
    CartItem,
    CustomerFacts,
    GiftOffer,
    PricedProduct,
    PriceSource,
    PricingPolicy,
    PromoRule,
)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
POLICY = PricingPolicy(shipping_fee_fen=300, free_shipping_threshold_fen=8900)
CUSTOMER = CustomerFacts(unit_id=1, is_first_order=True)


def product(
    product_id: int = 1,
    list_fen: int = 1000,
    reference_fen: int | None = None,
    deal_fen: int | None = None,
) -> PricedProduct:
    """A product whose supermarket reference defaults to its list price."""
    return PricedProduct(
        product_id=product_id,
        sku=f"SKU-{product_id}",
        list_price_fen=list_fen,
        reference_price_fen=list_fen if reference_fen is None else reference_fen,
        deal_price_fen=deal_fen,
    )


def goods_of(fen: int) -> list[CartItem]:
    """A one-line cart worth exactly ``fen``."""
    return [CartItem(product(list_fen=fen), 1)]


def amount_off(fen: int, **conditions: object) -> PromoRule:
    """An amount-off code with optional extra conditions."""
    return PromoRule(
        promotion_id=7, code="OFF", benefit=Benefit.AMOUNT_OFF, amount_off_fen=fen, **conditions
    )


def chicken_feet_gift(
    stock_left: int = 10, min_quantity: int = 1, gift_quantity: int = 1
) -> GiftOffer:
    """Chicken feet come with disposable gloves."""
    return GiftOffer(
        rule_id=3,
        trigger_product_id=1,
        min_quantity=min_quantity,
        gift=product(product_id=90, list_fen=50),
        gift_quantity=gift_quantity,
        stock_left=stock_left,
    )


# --- shipping boundary ---------------------------------------------------------------


def test_goods_of_8899_fen_pay_shipping_and_8900_ship_free():
    below = quote(goods_of(8899), policy=POLICY, now=NOW)
    at = quote(goods_of(8900), policy=POLICY, now=NOW)
    assert (below.shipping_fen, below.total_fen, below.free_shipping_missing_fen) == (300, 9199, 1)
    assert (at.shipping_fen, at.total_fen, at.free_shipping_missing_fen) == (0, 8900, 0)


def test_9000_goods_with_200_off_fall_to_8800_and_pay_shipping():
    result = quote(goods_of(9000), policy=POLICY, now=NOW, promo=amount_off(200), customer=CUSTOMER)
    assert result.discount_fen == 200
    assert result.shipping_fen == 300
    assert result.free_shipping_missing_fen == 100
    assert result.total_fen == 9000 - 200 + 300


def test_9100_goods_with_200_off_land_on_8900_and_ship_free():
    result = quote(goods_of(9100), policy=POLICY, now=NOW, promo=amount_off(200), customer=CUSTOMER)
    assert (result.shipping_fen, result.total_fen, result.free_shipping_missing_fen) == (0, 8900, 0)


def test_free_shipping_code_waives_the_fee_on_a_small_order():
    free = PromoRule(promotion_id=8, code="SHIP", benefit=Benefit.FREE_SHIPPING)
    result = quote(goods_of(1000), policy=POLICY, now=NOW, promo=free, customer=CUSTOMER)
    assert result.promo is not None and result.promo.shipping_waived
    assert (result.discount_fen, result.shipping_fen, result.total_fen) == (0, 0, 1000)
    assert result.free_shipping_missing_fen == 0


def test_empty_cart_quotes_zero_with_nothing_to_ship():
    result = quote([], policy=POLICY, now=NOW)
    assert result.lines == ()
    assert (result.goods_fen, result.shipping_fen, result.total_fen) == (0, 0, 0)
    assert result.free_shipping_missing_fen == 0


# --- lines and prices ------------------------------------------------------------------


def test_deal_price_is_used_when_lower_than_list():
    result = quote([CartItem(product(list_fen=1000, deal_fen=800), 3)], policy=POLICY, now=NOW)
    (line,) = result.lines
    assert (line.unit_price_fen, line.line_fen, line.price_source) == (800, 2400, PriceSource.DEAL)
    assert line.list_price_fen == 1000
    assert result.goods_fen == 2400


def test_deal_price_not_lower_than_list_is_ignored():
    result = quote([CartItem(product(list_fen=1000, deal_fen=1200), 1)], policy=POLICY, now=NOW)
    assert result.lines[0].unit_price_fen == 1000
    assert result.lines[0].price_source == PriceSource.LIST


def test_duplicate_product_lines_are_merged_in_first_seen_order():
    items = [
        CartItem(product(product_id=2, list_fen=100), 1),
        CartItem(product(product_id=1, list_fen=200), 2),
        CartItem(product(product_id=2, list_fen=100), 4),
    ]
    result = quote(items, policy=POLICY, now=NOW)
    assert [(line.product_id, line.quantity) for line in result.lines] == [(2, 5), (1, 2)]
    assert result.goods_fen == 5 * 100 + 2 * 200


def test_saving_compares_the_supermarket_reference_with_what_is_paid_for_goods():
    items = [
        CartItem(product(product_id=1, list_fen=950, reference_fen=1000), 2),
        CartItem(product(product_id=2, list_fen=500, reference_fen=600, deal_fen=400), 1),
    ]
    result = quote(items, policy=POLICY, now=NOW, promo=amount_off(100), customer=CUSTOMER)
    assert result.reference_fen == 2000 + 600
    assert result.goods_fen == 1900 + 400
    assert result.saving_fen == 2600 - (2300 - 100)


def test_gift_lines_are_left_out_of_goods_reference_and_saving():
    items = [CartItem(product(list_fen=900, reference_fen=1000), 1)]
    result = quote(items, policy=POLICY, now=NOW, gifts=[chicken_feet_gift()])
    assert (result.goods_fen, result.reference_fen, result.saving_fen) == (900, 1000, 100)


# --- gifts ----------------------------------------------------------------------------------


def test_gift_is_added_after_paid_lines_while_stock_lasts():
    items = [CartItem(product(1), 1), CartItem(product(2), 1)]
    result = quote(items, policy=POLICY, now=NOW, gifts=[chicken_feet_gift(stock_left=1)])
    assert [line.product_id for line in result.lines] == [1, 2, 90]
    gift = result.lines[-1]
    assert gift.is_gift and gift.gift_rule_id == 3
    assert (gift.quantity, gift.unit_price_fen, gift.line_fen) == (1, 0, 0)
    assert gift.price_source == PriceSource.GIFT
    assert result.gift_lines == (gift,)
    assert result.paid_lines == result.lines[:2]


def test_gift_is_given_once_per_order_not_per_unit_bought():
    result = quote(
        [CartItem(product(1), 5)],
        policy=POLICY,
        now=NOW,
        gifts=[chicken_feet_gift(gift_quantity=2, stock_left=50)],
    )
    (gift,) = result.gift_lines
    assert gift.quantity == 2


def test_gift_is_skipped_when_stock_left_is_below_the_gift_quantity():
    result = quote(
        [CartItem(product(1), 1)],
        policy=POLICY,
        now=NOW,
        gifts=[chicken_feet_gift(gift_quantity=2, stock_left=1)],
    )
    assert result.gift_lines == ()


def test_gift_is_not_added_below_its_minimum_quantity():
    gifts = [chicken_feet_gift(min_quantity=3)]
    below = quote([CartItem(product(1), 2)], policy=POLICY, now=NOW, gifts=gifts)
    at = quote(
        [CartItem(product(1), 1), CartItem(product(1), 2)], policy=POLICY, now=NOW, gifts=gifts
    )
    assert below.gift_lines == ()
    assert len(at.gift_lines) == 1


def test_gift_is_not_added_when_its_trigger_product_is_not_in_the_cart():
    result = quote([CartItem(product(2), 1)], policy=POLICY, now=NOW, gifts=[chicken_feet_gift()])
    assert result.gift_lines == ()


def test_the_same_gift_rule_offered_twice_gives_one_gift_line():
    gift = chicken_feet_gift()
    result = quote([CartItem(product(1), 1)], policy=POLICY, now=NOW, gifts=[gift, gift])
    assert len(result.gift_lines) == 1


# --- promotions in a quote ------------------------------------------------------------------


def test_refused_promo_is_dropped_and_explained_when_not_strict():
    result = quote(
        goods_of(3770),
        policy=POLICY,
        now=NOW,
        promo=amount_off(500, min_spend_fen=5000),
        customer=CUSTOMER,
    )
    assert result.promo is None
    assert result.discount_fen == 0
    assert isinstance(result.promo_error, PromoMinSpendNotMet)
    assert result.promo_error.missing_fen == 1230
    assert result.total_fen == 3770 + 300


def test_refused_promo_raises_when_strict():
    expired = amount_off(500, valid_until=NOW)
    with pytest.raises(PromoExpired):
        quote(goods_of(3770), policy=POLICY, now=NOW, promo=expired, customer=CUSTOMER, strict=True)


def test_accepted_promo_is_reported_with_its_value():
    result = quote(goods_of(3770), policy=POLICY, now=NOW, promo=amount_off(500), customer=CUSTOMER)
    assert result.promo is not None
    assert (result.promo.code, result.promo.discount_fen) == ("OFF", 500)
    assert result.promo_error is None
    assert result.total_fen == 3770 - 500 + 300


def test_coke_for_10_fen_discounts_one_coke_in_the_quote():
    coke = PricedProduct(product_id=5, sku="COKE-330", list_price_fen=300, reference_price_fen=350)
    rule = PromoRule(
        promotion_id=1,
        code="COKE",
        benefit=Benefit.FIXED_PRICE_ITEM,
        product_id=5,
        fixed_price_fen=10,
        first_order_only=True,
    )
    result = quote([CartItem(coke, 3)], policy=POLICY, now=NOW, promo=rule, customer=CUSTOMER)
    assert result.discount_fen == 290
    assert result.total_fen == 900 - 290 + 300


def test_amount_off_larger_than_goods_leaves_only_shipping_to_pay():
    result = quote(goods_of(300), policy=POLICY, now=NOW, promo=amount_off(5000), customer=CUSTOMER)
    assert result.discount_fen == 300
    assert result.total_fen == 300  # goods are free, shipping is not
    assert result.total_fen >= 0


def test_promo_without_customer_is_checked_as_a_first_order_outside_any_unit():
    first_only = amount_off(100, first_order_only=True)
    assert quote(goods_of(1000), policy=POLICY, now=NOW, promo=first_only).discount_fen == 100
    unit_only = quote(goods_of(1000), policy=POLICY, now=NOW, promo=amount_off(100, unit_id=4))
    assert unit_only.promo_error is not None and unit_only.promo_error.code == "promo_not_in_unit"


# --- inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -1, 100, 1.5, True])
def test_quantity_outside_whole_1_to_99_is_refused(bad):
    with pytest.raises(InvalidQuantity) as refusal:
        quote([CartItem(product(), bad)], policy=POLICY, now=NOW)
    assert type(refusal.value.quantity) is type(bad) and refusal.value.quantity == bad
    assert refusal.value.maximum == 99


def test_merged_lines_over_99_are_refused():
    items = [CartItem(product(), 60), CartItem(product(), 40)]
    with pytest.raises(InvalidQuantity) as refusal:
        quote(items, policy=POLICY, now=NOW)
    assert refusal.value.quantity == 100


def test_99_units_are_accepted():
    assert quote([CartItem(product(list_fen=100), 99)], policy=POLICY, now=NOW).goods_fen == 9900


def test_float_price_is_refused():
    with pytest.raises(TypeError):
        quote([CartItem(product(list_fen=9.99), 1)], policy=POLICY, now=NOW)  # type: ignore[arg-type]


def test_float_shipping_fee_is_refused():
    with pytest.raises(TypeError):
        quote(goods_of(100), policy=PricingPolicy(shipping_fee_fen=3.0), now=NOW)  # type: ignore[arg-type]


def test_every_amount_in_a_quote_is_an_int():
    result = quote([CartItem(product(deal_fen=333), 7)], policy=POLICY, now=NOW)
    amounts = [
        result.goods_fen,
        result.discount_fen,
        result.shipping_fen,
        result.total_fen,
        result.reference_fen,
        result.saving_fen,
        result.free_shipping_missing_fen,
    ]
    assert all(type(amount) is int for amount in amounts)
