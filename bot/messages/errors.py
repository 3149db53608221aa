"""A localised, human sentence for every DomainError: what went wrong and what to do next.

Explanations are registered by error ``code`` and built only from the error's data, and
only from the parts a person recognises: amounts, dates, the promo code they typed, the
order number printed on their receipt. Never an internal id, a sku or exception text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from babel.lists import format_list

from bot.i18n import N_, Translator
from core.errors import (
    CancelTooLate,
    CrateError,
    CustomerNotBound,
    DomainError,
    EmptyCart,
    FeedbackNotAllowed,
    IllegalTransition,
    InvalidInput,
    InvalidQuantity,
    NotFound,
    OutOfStock,
    ProductUnavailable,
    PromoAlreadyUsed,
    PromoCapReached,
    PromoError,
    PromoExpired,
    PromoFirstOrderOnly,
    PromoItemNotInCart,
    PromoMinSpendNotMet,
    PromoNotInUnit,
    PromoNotStarted,
    PromoProfileMismatch,
    PromoUnknown,
    UnitHasActivePartner,
)
from core.orders.pricing_context import MAX_LINES, MAX_QUANTITY
from core.people.assist import AssistLinkInvalid

Data = Mapping[str, Any]
Explainer = Callable[[Data, Translator], str]

log = logging.getLogger(__name__)

_EXPLAINERS: dict[str, Explainer] = {}


def explains(*errors: type[DomainError]) -> Callable[[Explainer], Explainer]:
    """Register the decorated function as the explanation of these errors' codes."""

    def register(explainer: Explainer) -> Explainer:
        for error in errors:
            _EXPLAINERS[error.code] = explainer
        return explainer

    return register


def explained_codes() -> frozenset[str]:
    """Codes with an explanation of their own (the rest get the generic apology)."""
    return frozenset(_EXPLAINERS)


def generic(t: Translator) -> str:
    """The polite fallback: never the exception text."""
    return t.gettext("Sorry, that didn't work. Please try again or ask your partner.")


def explain(error: DomainError, t: Translator) -> str:
    """The sentence to show for ``error`` in ``t``'s language."""
    explainer = _EXPLAINERS.get(error.code)
    if explainer is None:
        return generic(t)
    try:
        return explainer(error.data, t)
    except (KeyError, TypeError, ValueError, AttributeError):
        # Data that does not fit its explanation is a bug to fix, not a reason to show
        # a stack trace or leave a customer without an answer.
        log.exception("cannot explain %s", error.code)
        return generic(t)


def _fill(text: str, **values: object) -> str:
    """Put the named values into a translated %-format string."""
    return text % values


def _code(data: Data) -> str:
    """The promo code as the customer typed it."""
    return str(data.get("promo_code") or "").strip()


# --- not found -----------------------------------------------------------------------

_NOT_FOUND = {
    "product": N_("We couldn't find that item. It may have been taken off the shelf."),
    "order": N_("We couldn't find that order."),
    "pickup": N_("We couldn't find that crate pickup."),
    "unit": N_("We couldn't find that neighbourhood."),
    "broadcast": N_("We couldn't find that notice."),
}


@explains(NotFound)
def _not_found(data: Data, t: Translator) -> str:
    """Says what kind of thing is missing, never which key was asked for."""
    message = _NOT_FOUND.get(str(data.get("what")))
    return t.gettext(message) if message else t.gettext("We couldn't find that.")


# --- catalog and cart ----------------------------------------------------------------


@explains(ProductUnavailable)
def _product_unavailable(data: Data, t: Translator) -> str:
    """The sku is a warehouse code, not something a shopper recognises."""
    return t.gettext("Sorry, this item isn't available right now.")


@explains(OutOfStock)
def _out_of_stock(data: Data, t: Translator) -> str:
    """How many are left, so the customer can take those instead."""
    left, wanted = int(data["left"]), int(data["wanted"])
    if left <= 0:
        return t.gettext("Sorry, this item has just sold out.")
    return _fill(
        t.ngettext(
            "You asked for %(wanted)d, but only %(num)d is left. Please lower the quantity.",
            "You asked for %(wanted)d, but only %(num)d are left. Please lower the quantity.",
            left,
        ),
        wanted=wanted,
        num=left,
    )


@explains(InvalidQuantity)
def _invalid_quantity(data: Data, t: Translator) -> str:
    """Core reuses this error for "too many different items"; its maximum tells which."""
    maximum = int(data["maximum"])
    if maximum == MAX_LINES and MAX_LINES != MAX_QUANTITY:
        return _fill(
            t.gettext(
                "Your cart can hold up to %(maximum)d different items. "
                "Please check out first or remove something."
            ),
            maximum=maximum,
        )
    return _fill(t.gettext("Please choose a quantity from 1 to %(maximum)d."), maximum=maximum)


@explains(EmptyCart)
def _empty_cart(data: Data, t: Translator) -> str:
    """Points to the next step rather than just refusing."""
    return t.gettext("Your cart is empty. Add something you like, then check out.")


# --- promotions ------------------------------------------------------------------------


@explains(PromoError)
def _promo_error(data: Data, t: Translator) -> str:
    """Any promo refusal without a sentence of its own."""
    code = _code(data)
    if not code:
        return t.gettext("Sorry, this code can't be used for this order.")
    return _fill(t.gettext("Sorry, the code %(code)s can't be used for this order."), code=code)


@explains(PromoUnknown)
def _promo_unknown(data: Data, t: Translator) -> str:
    """Most unknown codes are typos."""
    return _fill(
        t.gettext("We don't recognise the code %(code)s. Please check it and try again."),
        code=_code(data),
    )


@explains(PromoNotStarted)
def _promo_not_started(data: Data, t: Translator) -> str:
    """When it opens, in business time; the hour only when it is not midnight."""
    starts = t.local(data["valid_from"])
    if starts.time() == dt.time(0, 0):
        return _fill(
            t.gettext("The code %(code)s can be used from %(date)s."),
            code=_code(data),
            date=t.date(starts),
        )
    return _fill(
        t.gettext("The code %(code)s can be used from %(time)s on %(date)s."),
        code=_code(data),
        time=t.time(starts),
        date=t.date(starts),
    )


@explains(PromoExpired)
def _promo_expired(data: Data, t: Translator) -> str:
    """The last day it worked: an end at midnight means the day before was the last."""
    ends = t.local(data["valid_until"])
    if ends.time() == dt.time(0, 0):
        return _fill(
            t.gettext("Sorry, the code %(code)s ended on %(date)s."),
            code=_code(data),
            date=t.date(ends - dt.timedelta(days=1)),
        )
    return _fill(
        t.gettext("Sorry, the code %(code)s ended at %(time)s on %(date)s."),
        code=_code(data),
        time=t.time(ends),
        date=t.date(ends),
    )


@explains(PromoMinSpendNotMet)
def _promo_min_spend(data: Data, t: Translator) -> str:
    """How much more to add, which is what the customer can act on."""
    return _fill(
        t.gettext("Add %(amount)s more to use this code."),
        amount=t.money(data["missing_fen"]),
    )


@explains(PromoAlreadyUsed)
def _promo_already_used(data: Data, t: Translator) -> str:
    """Names the per-person limit so it does not read like a fault."""
    limit = int(data["limit"])
    if limit <= 1:
        return _fill(
            t.gettext("The code %(code)s can be used once per person, and you've already used it."),
            code=_code(data),
        )
    return _fill(
        t.ngettext(
            "The code %(code)s can be used %(num)d time per person, and you've already used it.",
            "The code %(code)s can be used %(num)d times per person, and you've used them all.",
            limit,
        ),
        code=_code(data),
        num=limit,
    )


@explains(PromoCapReached)
def _promo_cap_reached(data: Data, t: Translator) -> str:
    """Everyone else got there first; the cap size helps nobody."""
    return _fill(t.gettext("Sorry, the code %(code)s has been fully claimed."), code=_code(data))


@explains(PromoFirstOrderOnly)
def _promo_first_order_only(data: Data, t: Translator) -> str:
    """A welcome offer."""
    return _fill(
        t.gettext("The code %(code)s is only for a first order, so it can't be used this time."),
        code=_code(data),
    )


@explains(PromoNotInUnit)
def _promo_not_in_unit(data: Data, t: Translator) -> str:
    """Another neighbourhood's offer."""
    return _fill(
        t.gettext("The code %(code)s is for another neighbourhood, so it can't be used here."),
        code=_code(data),
    )


_HOUSEHOLD_GROUPS = {
    # TRANSLATORS: household groups a promo code is for, joined into "older people,
    # children or a baby on the way" and put into "households with %(groups)s".
    "elderly": N_("older people"),
    "children": N_("children"),
    "pregnant": N_("a baby on the way"),
}


@explains(PromoProfileMismatch)
def _promo_profile_mismatch(data: Data, t: Translator) -> str:
    """Names the households in words, joined with "or" (any one of them qualifies)."""
    groups = [
        t.gettext(_HOUSEHOLD_GROUPS[name])
        for name in data.get("required") or ()
        if name in _HOUSEHOLD_GROUPS
    ]
    if not groups:
        return _fill(
            t.gettext("The code %(code)s is only for certain households."), code=_code(data)
        )
    return _fill(
        t.gettext(
            "The code %(code)s is for households with %(groups)s. "
            "If that's your home, you can tell us in your profile first."
        ),
        code=_code(data),
        groups=format_list(groups, style="or", locale=t.babel_locale),
    )


@explains(PromoItemNotInCart)
def _promo_item_not_in_cart(data: Data, t: Translator) -> str:
    """Without the sku: the offer itself names the item in words."""
    return _fill(
        t.gettext(
            "The code %(code)s gives a special price on one particular item. "
            "Please add that item to your cart first."
        ),
        code=_code(data),
    )


# --- customers, units, partners ----------------------------------------------------------


@explains(CustomerNotBound)
def _customer_not_bound(data: Data, t: Translator) -> str:
    """Says why we ask."""
    return t.gettext(
        "Please choose your neighbourhood, building and room first, so we know where to deliver."
    )


@explains(AssistLinkInvalid)
def _assist_link_invalid(data: Data, t: Translator) -> str:
    """Used, expired or unknown all mean the same thing to the customer: ask for a new one."""
    return t.gettext(
        "This help link has expired or was already used. Please ask your partner for a new one."
    )


@explains(UnitHasActivePartner)
def _unit_has_active_partner(data: Data, t: Translator) -> str:
    """For headquarters; the unit is the one they are looking at."""
    return t.gettext(
        "This neighbourhood already has a partner. "
        "Please retire the current partner before adding a new one."
    )


# Core's ``reason`` is English for developers; these are the sentences for people.
_INVALID_FIELDS = {
    "phone": N_("Please enter an 11-digit mobile number."),
    "room": N_('Please enter your room number with letters, digits or "-", up to 10 of them.'),
    "building": N_("Please choose one of the buildings in your neighbourhood."),
    "rating": N_("Please give a rating from 1 to 5 stars."),
    "comment": N_("Please write your comment as text, and keep it short."),
    "reason": N_("Please tell us the reason."),
    "locale": N_("Please choose 中文 or English."),
    "partner": N_("That partner looks after another neighbourhood."),
    "day": N_("Please choose a date."),
    "quantity": N_("Please enter the number of crates, such as 1 or 2."),
    "collected": N_("Please enter the number of crates, such as 1 or 2."),
    "crates": N_("Please enter the number of crates, such as 1 or 2."),
    "amount": N_("Please enter a valid amount."),
    "method": N_("Please choose cash or bank transfer."),
    "name": N_("Please enter a name."),
    "notice_text": N_(
        "Please write the notice as text (a photo needs a caption), up to 1,000 characters."
    ),
    "send_at": N_("Please choose a time from now up to 30 days ahead."),
}


@explains(InvalidInput)
def _invalid_input(data: Data, t: Translator) -> str:
    """Names what to fix for the fields people type; anything else gets a gentle nudge."""
    message = _INVALID_FIELDS.get(str(data.get("field")))
    if message is None:
        return t.gettext("Something there wasn't quite right. Please check it and try again.")
    return t.gettext(message)


# --- orders -------------------------------------------------------------------------------

_ORDER_STATUS = {
    # TRANSLATORS: an order's status, put into "Order %(order)s is %(status)s, ..."
    "placed": N_("waiting to be packed"),
    "picked": N_("packed"),
    "out_for_delivery": N_("on its way"),
    "delivered": N_("delivered"),
    "cancelled": N_("cancelled"),
    "refunded": N_("refunded"),
}


@explains(IllegalTransition)
def _illegal_transition(data: Data, t: Translator) -> str:
    """Where the order is now, which is why the step is impossible."""
    status = _ORDER_STATUS.get(str(data.get("current")))
    if status is None:
        return _fill(
            t.gettext("Order %(order)s can't be changed that way."), order=data["order_no"]
        )
    return _fill(
        t.gettext("Order %(order)s is %(status)s, so that can't be done now."),
        order=data["order_no"],
        status=t.gettext(status),
    )


@explains(CancelTooLate)
def _cancel_too_late(data: Data, t: Translator) -> str:
    """The cutoff in business time, and who can still help."""
    cutoff = data["cutoff_at"]
    return _fill(
        t.gettext(
            "Sorry, order %(order)s can no longer be cancelled. Orders can be cancelled "
            "until %(time)s on %(date)s, before packing starts. "
            "Your partner can help if something is wrong."
        ),
        order=data["order_no"],
        time=t.time(cutoff),
        date=t.weekday_date(cutoff),
    )


@explains(FeedbackNotAllowed)
def _feedback_not_allowed(data: Data, t: Translator) -> str:
    """Too early, or already done."""
    order, reason = data["order_no"], data.get("reason")
    if reason == "not_delivered":
        text = t.gettext("You can rate order %(order)s once it has been delivered.")
    elif reason == "already_given":
        text = t.gettext("Thank you, you've already rated order %(order)s.")
    else:
        text = t.gettext("Order %(order)s can't be rated right now.")
    return _fill(text, order=order)


# --- crates -------------------------------------------------------------------------------


@explains(CrateError)
def _crate_error(data: Data, t: Translator) -> str:
    """Each crate refusal by its reason; dates are business days."""
    reason = data.get("reason")
    if reason == "more_than_held":
        held = int(data["held"])
        return _fill(
            t.ngettext(
                "This household has only %(num)d crate, so %(wanted)d can't be taken back.",
                "This household has only %(num)d crates, so %(wanted)d can't be taken back.",
                held,
            ),
            num=held,
            wanted=int(data["quantity"]),
        )
    if reason == "no_crates":
        return t.gettext(
            "You don't have any of our crates at home right now, so there's nothing to pick up."
        )
    if reason == "day_in_past":
        return t.gettext("That day has already passed. Please choose today or a later day.")
    if reason == "too_far_ahead":
        return _fill(
            t.gettext("Please choose a day no later than %(date)s."),
            date=t.weekday_date(data["latest"]),
        )
    if reason == "window_closed":
        return t.gettext("Today's delivery time is over. Please choose another day.")
    if reason == "pickup_done":
        return _fill(
            t.gettext("Those crates were already picked up on %(date)s."),
            date=t.weekday_date(data["day"]),
        )
    return t.gettext("Sorry, that didn't work for the crates. Please check and try again.")
