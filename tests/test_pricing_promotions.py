"""Promotion rules: every refusal with the data a channel needs, in order, and every benefit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

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
from core.money import Rounding
from core.pricing.promotions import check_promo, promo_discount
from core.pricing.types import (
    Benefit,
    CartItem,
    CustomerFacts,
    PricedProduct,
    PricingPolicy,
    PromoRule,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
POLICY = PricingPolicy()
NEWCOMER = CustomerFacts(unit_id=1, is_first_order=True)
COKE = PricedProduct(product_id=5, sku="COKE-330", list_price_fen=300, reference_price_fen=350)
RICE = PricedProduct(product_id=6, sku="RICE-5KG", list_price_fen=3770, reference_price_fen=4000)


def rule(benefit: Benefit = Benefit.AMOUNT_OFF, **fields: object) -> PromoRule:
    """A code with sensible defaults; tests name only the condition they are about."""
    defaults: dict[str, object] = {"amount_off_fen": 500} if benefit == Benefit.AMOUNT_OFF else {}
    return PromoRule(promotion_id=7, code="HELLO", benefit=benefit, **(defaults | fields))


def coke_for_10_fen(**fields: object) -> PromoRule:
    """'A Coke for 0.1 yuan': one per customer, first order only."""
    return rule(
        Benefit.FIXED_PRICE_ITEM,
        product_id=COKE.product_id,
        fixed_price_fen=10,
        first_order_only=True,
        **fields,
    )


def check(
    promo: PromoRule,
    *,
    goods_fen: int = 3770,
    items: Sequence[CartItem] = (CartItem(RICE, 1),),
    customer: CustomerFacts = NEWCOMER,
    now: dt.datetime = NOW,
) -> None:
    """check_promo with a default cart, customer and time."""
    check_promo(promo, goods_fen=goods_fen, items=items, customer=customer, now=now)


def discount(promo: PromoRule, goods_fen: int, items: Sequence[CartItem] = ()) -> tuple[int, bool]:
    """promo_discount with the default policy."""
    return promo_discount(promo, goods_fen=goods_fen, items=items, policy=POLICY)


# --- refusals -------------------------------------------------------------------------------


def test_a_valid_code_passes_every_check():
    check(
        rule(min_spend_fen=3770, unit_id=1, first_order_only=True, total_cap=10, redeemed_count=9)
    )


def test_switched_off_code_is_refused_as_unknown():
    with pytest.raises(PromoUnknown) as refusal:
        check(rule(active=False))
    assert refusal.value.promo_code == "HELLO"


def test_code_before_its_start_is_not_started():
    starts = NOW + dt.timedelta(seconds=1)
    with pytest.raises(PromoNotStarted) as refusal:
        check(rule(valid_from=starts))
    assert refusal.value.valid_from == starts


def test_code_is_valid_from_exactly_its_start():
    check(rule(valid_from=NOW))


def test_code_has_expired_at_exactly_valid_until():
    with pytest.raises(PromoExpired) as refusal:
        check(rule(valid_until=NOW))
    assert refusal.value.valid_until == NOW


def test_code_is_still_valid_one_microsecond_before_valid_until():
    check(rule(valid_until=NOW + dt.timedelta(microseconds=1)))


def test_code_for_another_unit_is_refused():
    with pytest.raises(PromoNotInUnit):
        check(rule(unit_id=2))


def test_unit_code_is_refused_to_a_customer_without_a_unit():
    with pytest.raises(PromoNotInUnit):
        check(rule(unit_id=1), customer=CustomerFacts(unit_id=None, is_first_order=True))


def test_first_order_code_is_refused_on_a_second_order():
    with pytest.raises(PromoFirstOrderOnly):
        check(rule(first_order_only=True), customer=CustomerFacts(unit_id=1, is_first_order=False))


def test_elderly_and_children_offer_is_refused_to_a_household_with_neither():
    with pytest.raises(PromoProfileMismatch) as refusal:
        check(rule(for_elderly=True, for_children=True))
    assert refusal.value.required == ("elderly", "children")


def test_pregnant_offer_is_refused_to_a_household_with_only_elderly():
    household = CustomerFacts(unit_id=1, is_first_order=True, has_elderly=True)
    with pytest.raises(PromoProfileMismatch) as refusal:
        check(rule(for_pregnant=True), customer=household)
    assert refusal.value.required == ("pregnant",)


def test_household_offer_accepts_any_one_of_its_targeted_flags():
    household = CustomerFacts(unit_id=1, is_first_order=True, has_children=True)
    check(rule(for_elderly=True, for_children=True), customer=household)


def test_second_redemption_of_a_once_per_customer_code_is_refused():
    used = CustomerFacts(unit_id=1, is_first_order=True, promo_uses={7: 1})
    with pytest.raises(PromoAlreadyUsed) as refusal:
        check(rule(), customer=used)
    assert refusal.value.limit == 1


def test_code_allowed_twice_per_customer_accepts_the_second_use():
    used = CustomerFacts(unit_id=1, is_first_order=True, promo_uses={7: 1})
    check(rule(per_customer_limit=2), customer=used)


def test_uses_of_other_codes_do_not_count():
    check(rule(), customer=CustomerFacts(unit_id=1, is_first_order=True, promo_uses={8: 3}))


def test_code_whose_total_cap_is_taken_is_refused():
    with pytest.raises(PromoCapReached) as refusal:
        check(rule(total_cap=100, redeemed_count=100))
    assert refusal.value.cap == 100


def test_min_spend_refusal_says_1230_fen_are_missing_on_3770_of_5000():
    with pytest.raises(PromoMinSpendNotMet) as refusal:
        check(rule(min_spend_fen=5000), goods_fen=3770)
    assert refusal.value.min_spend_fen == 5000
    assert refusal.value.missing_fen == 1230


def test_fixed_price_offer_needs_its_item_in_the_cart():
    with pytest.raises(PromoItemNotInCart) as refusal:
        check(coke_for_10_fen(), items=[CartItem(RICE, 1)])
    assert refusal.value.sku == "5"


def test_refusals_come_in_a_fixed_order_the_earliest_wins():
    everything_wrong = coke_for_10_fen(
        valid_until=NOW,
        unit_id=2,
        for_elderly=True,
        total_cap=1,
        redeemed_count=1,
        min_spend_fen=10_000,
    )
    returning = CustomerFacts(unit_id=1, is_first_order=False, promo_uses={7: 1})
    with pytest.raises(PromoExpired):
        check(everything_wrong, customer=returning)
    with pytest.raises(PromoNotInUnit):
        check(rule(unit_id=2, first_order_only=True), customer=returning)
    with pytest.raises(PromoFirstOrderOnly):
        check(rule(first_order_only=True, for_elderly=True), customer=returning)
    with pytest.raises(PromoProfileMismatch):
        check(rule(for_elderly=True), customer=returning)
    with pytest.raises(PromoAlreadyUsed):
        check(rule(total_cap=1, redeemed_count=1), customer=returning)
    with pytest.raises(PromoCapReached):
        check(rule(total_cap=1, redeemed_count=1, min_spend_fen=10_000))
    with pytest.raises(PromoMinSpendNotMet):
        check(coke_for_10_fen(min_spend_fen=10_000))


# --- benefits -------------------------------------------------------------------------------


def test_coke_for_10_fen_discounts_290_on_a_300_fen_coke():
    assert discount(coke_for_10_fen(), 900, [CartItem(COKE, 3)]) == (290, False)


def test_fixed_price_item_discounts_from_the_deal_price_when_there_is_one():
    coke_on_deal = PricedProduct(
        5, "COKE-330", list_price_fen=300, reference_price_fen=350, deal_price_fen=250
    )
    assert discount(coke_for_10_fen(), 250, [CartItem(coke_on_deal, 1)]) == (240, False)


def test_fixed_price_above_the_items_price_gives_nothing():
    cheap = rule(Benefit.FIXED_PRICE_ITEM, product_id=5, fixed_price_fen=400)
    assert discount(cheap, 300, [CartItem(COKE, 1)]) == (0, False)


def test_amount_off_is_taken_from_the_goods():
    assert discount(rule(amount_off_fen=500), 3770) == (500, False)


def test_amount_off_larger_than_the_goods_stops_at_the_goods():
    assert discount(rule(amount_off_fen=5000), 3770) == (3770, False)


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [(Rounding.DOWN, 299), (Rounding.HALF_UP, 300), (Rounding.UP, 300)],
)
def test_15_percent_of_1999_rounds_as_the_rule_names(rounding, expected):
    # 15% of 1999 fen is 299.85 fen
    assert discount(rule(Benefit.PERCENT_OFF, percent_off=15, rounding=rounding), 1999) == (
        expected,
        False,
    )


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [(Rounding.DOWN, 1), (Rounding.HALF_UP, 2), (Rounding.UP, 2)],
)
def test_half_a_fen_rounds_down_half_up_and_up_differently(rounding, expected):
    # 10% of 15 fen is 1.5 fen
    assert discount(rule(Benefit.PERCENT_OFF, percent_off=10, rounding=rounding), 15) == (
        expected,
        False,
    )


def test_percent_off_defaults_to_rounding_down_in_the_shops_favour():
    assert discount(rule(Benefit.PERCENT_OFF, percent_off=15), 1999) == (299, False)


def test_free_shipping_waives_shipping_and_discounts_nothing():
    assert discount(rule(Benefit.FREE_SHIPPING), 1000) == (0, True)


def test_amount_off_without_an_amount_is_a_data_bug_not_a_zero():
    with pytest.raises(ValueError, match="amount_off_fen"):
        discount(rule(amount_off_fen=None), 1000)


def test_float_goods_total_is_refused():
    with pytest.raises(TypeError):
        discount(rule(), 37.7)  # type: ignore[arg-type]
