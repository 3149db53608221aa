"""Every inline-button payload, in one place so codes never collide.

Codes end in a version digit: change a payload's fields, bump its digit, and buttons
still showing the old layout read as "expired" instead of doing the wrong thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload


@payload("m1")
@dataclass(frozen=True)
class Menu:
    """Open a main-menu section: shop, deals, search, cart, orders, crates, partner, settings."""

    section: str


@payload("u1")
@dataclass(frozen=True)
class PickUnit:
    """Onboarding: this residential unit."""

    unit_id: int


@payload("b1")
@dataclass(frozen=True)
class PickBuilding:
    """Onboarding or settings: this building."""

    building_id: int
    page: int = 0


@payload("l1")
@dataclass(frozen=True)
class PickLanguage:
    """zh_CN or en."""

    locale: str


@payload("h1")
@dataclass(frozen=True)
class Household:
    """Household profile answers: a flag to toggle, or 'done'/'skip'."""

    choice: str


@payload("c1")
@dataclass(frozen=True)
class Category:
    """A category's product list, page ``page``."""

    category_id: int
    page: int = 0


@payload("p1")
@dataclass(frozen=True)
class ProductCard:
    """A product's card; ``back`` says which list to return to (c<id>.<page>, d<page>, s<page>)."""

    product_id: int
    back: str = ""


@payload("q1")
@dataclass(frozen=True)
class Quantity:
    """+ / − on a product card (``where`` = 'card') or a cart line ('cart'); 0 removes."""

    product_id: int
    delta: int
    where: str


@payload("d1")
@dataclass(frozen=True)
class Deals:
    """The deals zone, page ``page``."""

    page: int = 0


@payload("k1")
@dataclass(frozen=True)
class CartAction:
    """Cart screen actions: view, code (enter a promo code), coupon, nocode, checkout."""

    action: str
    arg: str = ""


@payload("x1")
@dataclass(frozen=True)
class Checkout:
    """Checkout steps; ``nonce`` is the idempotency key of this confirmation screen."""

    action: str
    nonce: str = ""


@payload("o1")
@dataclass(frozen=True)
class OrderAction:
    """My orders: view, cancel, confirm_cancel, reorder, rate (``arg`` = stars)."""

    order_id: int
    action: str
    arg: int = 0


@payload("r1")
@dataclass(frozen=True)
class Crates:
    """Crates screen: view, or book a pickup on day offset ``days`` from today."""

    action: str
    days: int = 0


@payload("s1")
@dataclass(frozen=True)
class Settings:
    """Settings: language, guided, optout:<topic>, optin:<topic>, address, phone."""

    action: str
    arg: str = ""


@payload("g1")
@dataclass(frozen=True)
class Page:
    """Search results page ``page`` (the query lives in the chat state)."""

    page: int
