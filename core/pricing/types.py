"""Value objects the pure pricing functions take and return. All money is integer fen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from core.errors import PromoError
from core.money import Rounding


class Benefit(StrEnum):
    """What a promotion gives."""

    # one unit of a product at a fixed price (Coke for 10 fen)
    FIXED_PRICE_ITEM = "fixed_price_item"
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"
    FREE_SHIPPING = "free_shipping"


class PriceSource(StrEnum):
    """Why a line costs what it costs."""

    LIST = "list"
    DEAL = "deal"
    GIFT = "gift"


@dataclass(frozen=True)
class PricedProduct:
    """What pricing needs to know of a product today."""

    product_id: int
    sku: str
    list_price_fen: int
    reference_price_fen: int
    deal_price_fen: int | None = None


@dataclass(frozen=True)
class CartItem:
    """A product and how many of it."""

    product: PricedProduct
    quantity: int


@dataclass(frozen=True)
class GiftOffer:
    """An active gift rule with the gift stock left right now."""

    rule_id: int
    trigger_product_id: int
    min_quantity: int
    gift: PricedProduct
    gift_quantity: int
    stock_left: int


@dataclass(frozen=True)
class PromoRule:
    """A promo code or coupon with every condition, as stored."""

    promotion_id: int
    code: str
    benefit: Benefit
    kind: str = "code"
    product_id: int | None = None
    product_sku: str | None = None  # named in refusals, never the internal id
    fixed_price_fen: int | None = None
    amount_off_fen: int | None = None
    percent_off: int | None = None
    rounding: Rounding = Rounding.DOWN
    first_order_only: bool = False
    min_spend_fen: int = 0
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    per_customer_limit: int = 1
    total_cap: int | None = None
    redeemed_count: int = 0
    unit_id: int | None = None
    for_elderly: bool = False
    for_children: bool = False
    for_pregnant: bool = False
    active: bool = True


@dataclass(frozen=True)
class CustomerFacts:
    """What promo conditions need to know of the customer.

    Household flags are only the ones the customer consented to share.
    ``promo_uses`` maps promotion id → live (not revoked) redemptions by this customer.
    """

    unit_id: int | None
    is_first_order: bool
    has_elderly: bool = False
    has_children: bool = False
    has_pregnant: bool = False
    promo_uses: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PricingPolicy:
    """Shipping rules (PRODUCT.md defaults: 3 yuan, free from 89 yuan of goods after discounts)."""

    shipping_fee_fen: int = 300
    free_shipping_threshold_fen: int = 8900


@dataclass(frozen=True)
class QuoteLine:
    """One priced line; gift lines cost 0 and name the rule that added them."""

    product_id: int
    sku: str
    quantity: int
    unit_price_fen: int
    list_price_fen: int
    reference_price_fen: int
    line_fen: int
    price_source: PriceSource
    gift_rule_id: int | None = None

    @property
    def is_gift(self) -> bool:
        """True for a line added by a gift rule."""
        return self.gift_rule_id is not None


@dataclass(frozen=True)
class AppliedPromo:
    """The promotion that took effect and what it was worth."""

    promotion_id: int
    code: str
    benefit: Benefit
    discount_fen: int
    shipping_waived: bool


@dataclass(frozen=True)
class Quote:
    """A priced cart.

    Invariants: ``total_fen == goods_fen - discount_fen + shipping_fen`` and total >= 0;
    ``saving_fen == reference_fen - (goods_fen - discount_fen)`` (gifts excluded from both).
    """

    lines: tuple[QuoteLine, ...]
    goods_fen: int
    discount_fen: int
    shipping_fen: int
    total_fen: int
    reference_fen: int
    saving_fen: int
    free_shipping_missing_fen: int
    promo: AppliedPromo | None = None
    promo_error: PromoError | None = None

    @property
    def paid_lines(self) -> tuple[QuoteLine, ...]:
        """Lines the customer pays for."""
        return tuple(line for line in self.lines if not line.is_gift)

    @property
    def gift_lines(self) -> tuple[QuoteLine, ...]:
        """Free lines added by gift rules."""
        return tuple(line for line in self.lines if line.is_gift)
