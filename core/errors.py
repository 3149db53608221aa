"""Named domain errors. Each carries the data a channel needs to explain it in words.

Channels map ``code`` to a localised message and format the fields; core never
formats text for people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every refusal a user or operator may see explained."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, **data: Any) -> None:
        self.data = data
        details = ", ".join(f"{key}={value!r}" for key, value in data.items())
        super().__init__(f"{self.code}({details})")

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None


class NotFound(DomainError):
    """Something named by the user does not exist (or is not theirs to see)."""

    code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(what=what, key=key)


# --- catalog and cart -------------------------------------------------------------


class ProductUnavailable(DomainError):
    """The product is delisted or unknown."""

    code = "product_unavailable"

    def __init__(self, sku: str) -> None:
        super().__init__(sku=sku)


class OutOfStock(DomainError):
    """Fewer units left than asked for."""

    code = "out_of_stock"

    def __init__(self, sku: str, left: int, wanted: int) -> None:
        super().__init__(sku=sku, left=left, wanted=wanted)


class InvalidQuantity(DomainError):
    """Quantities are whole numbers from 1 to a sane per-line maximum."""

    code = "invalid_quantity"

    def __init__(self, quantity: object, maximum: int) -> None:
        super().__init__(quantity=quantity, maximum=maximum)


class EmptyCart(DomainError):
    """Checkout needs at least one line."""

    code = "empty_cart"

    def __init__(self) -> None:
        super().__init__()


# --- promotions ---------------------------------------------------------------------


class PromoError(DomainError):
    """Base of every promo-code or coupon refusal; always names the code."""

    code = "promo_error"


class PromoUnknown(PromoError):
    """No such code (or it is switched off)."""

    code = "promo_unknown"

    def __init__(self, promo_code: str) -> None:
        super().__init__(promo_code=promo_code)


class PromoNotStarted(PromoError):
    """The validity window has not opened yet."""

    code = "promo_not_started"

    def __init__(self, promo_code: str, valid_from: dt.datetime) -> None:
        super().__init__(promo_code=promo_code, valid_from=valid_from)


class PromoExpired(PromoError):
    """The validity window has closed."""

    code = "promo_expired"

    def __init__(self, promo_code: str, valid_until: dt.datetime) -> None:
        super().__init__(promo_code=promo_code, valid_until=valid_until)


class PromoMinSpendNotMet(PromoError):
    """Goods total below the minimum; ``missing_fen`` says how much more to add."""

    code = "promo_min_spend"

    def __init__(self, promo_code: str, min_spend_fen: int, missing_fen: int) -> None:
        super().__init__(
            promo_code=promo_code, min_spend_fen=min_spend_fen, missing_fen=missing_fen
        )


class PromoAlreadyUsed(PromoError):
    """The customer has used it as many times as allowed."""

    code = "promo_already_used"

    def __init__(self, promo_code: str, limit: int) -> None:
        super().__init__(promo_code=promo_code, limit=limit)


class PromoCapReached(PromoError):
    """Every redemption of the total cap is taken."""

    code = "promo_cap_reached"

    def __init__(self, promo_code: str, cap: int) -> None:
        super().__init__(promo_code=promo_code, cap=cap)


class PromoFirstOrderOnly(PromoError):
    """Only for a customer's first order."""

    code = "promo_first_order_only"

    def __init__(self, promo_code: str) -> None:
        super().__init__(promo_code=promo_code)


class PromoNotInUnit(PromoError):
    """Restricted to another residential unit."""

    code = "promo_not_in_unit"

    def __init__(self, promo_code: str) -> None:
        super().__init__(promo_code=promo_code)


class PromoProfileMismatch(PromoError):
    """Targeted at households (elderly, children, pregnant) this customer has not declared."""

    code = "promo_profile_mismatch"

    def __init__(self, promo_code: str, required: tuple[str, ...]) -> None:
        super().__init__(promo_code=promo_code, required=required)


class PromoItemNotInCart(PromoError):
    """A fixed-price-item offer needs that item in the cart."""

    code = "promo_item_not_in_cart"

    def __init__(self, promo_code: str, sku: str) -> None:
        super().__init__(promo_code=promo_code, sku=sku)


# --- customers, units, partners -----------------------------------------------------


class CustomerNotBound(DomainError):
    """The customer has not chosen a unit, building and room yet."""

    code = "customer_not_bound"

    def __init__(self) -> None:
        super().__init__()


class UnitHasActivePartner(DomainError):
    """A unit has exactly one active partner; retire the current one first."""

    code = "unit_has_active_partner"

    def __init__(self, unit_code: str) -> None:
        super().__init__(unit_code=unit_code)


class InvalidInput(DomainError):
    """A field failed validation; ``field`` and ``reason`` say which and why."""

    code = "invalid_input"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field=field, reason=reason)


# --- orders --------------------------------------------------------------------------


class IllegalTransition(DomainError):
    """The order cannot move from its status to the requested one."""

    code = "illegal_transition"

    def __init__(self, order_no: str, current: str, requested: str) -> None:
        super().__init__(order_no=order_no, current=current, requested=requested)


class CancelTooLate(DomainError):
    """Customers may cancel only before the cutoff of the delivery day."""

    code = "cancel_too_late"

    def __init__(self, order_no: str, cutoff_at: dt.datetime) -> None:
        super().__init__(order_no=order_no, cutoff_at=cutoff_at)


class FeedbackNotAllowed(DomainError):
    """Feedback is for delivered orders, once."""

    code = "feedback_not_allowed"

    def __init__(self, order_no: str, reason: str) -> None:
        super().__init__(order_no=order_no, reason=reason)


class CrateError(DomainError):
    """A crate movement that would make no sense (collect more than held, pickup in the past)."""

    code = "crate_error"

    def __init__(self, reason: str, **data: Any) -> None:
        super().__init__(reason=reason, **data)
