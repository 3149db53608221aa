"""Checkout: a cart becomes exactly one order, atomically, however often it is confirmed.

Lock order (the same everywhere, so PostgreSQL never deadlocks): customer row → household
row (with a promo code) → product rows by id → gift rules by id → promotion row.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, Update, bindparam, case, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.errors import CustomerNotBound, InvalidInput, OutOfStock
from core.models import Customer, GiftRule, Household, Order, OrderLine, Partner, Product, Unit
from core.orders.delivery_date import delivery_slot
from core.orders.pricing_context import MAX_LINES, PricedCart, price_items
from core.orders.promotions import redeem
from core.orders.status import Status
from core.platform.clock import local_now
from core.platform.uow import Database, UnitOfWork
from core.pricing.types import QuoteLine

MAX_KEY_LENGTH = 64
ATTEMPTS = 4
RETRYABLE = {"40P01", "40001"}  # PostgreSQL deadlock detected, serialization failure

# Statements are built once: on the checkout path, building them cost more CPU than
# PostgreSQL spent running them (see bench/README.md).
# Lock the customer and look for an order with this key in one round trip.
_LOCK_CUSTOMER = (
    select(Customer, Order.id)
    .outerjoin(
        Order,
        (Order.customer_id == Customer.id) & (Order.idempotency_key == bindparam("key")),
    )
    .where(Customer.id == bindparam("customer_id"))
    .with_for_update(of=Customer)
)
_LOCK_HOUSEHOLD = (
    select(Household.id).where(Household.id == bindparam("household_id")).with_for_update()
)
_UNIT_AND_PARTNER = (
    select(Unit, Partner.id)
    .outerjoin(Partner, (Partner.unit_id == Unit.id) & Partner.active.is_(True))
    .where(Unit.id == bindparam("unit_id"))
)
_INSERT_ORDER = insert(Order.__table__).returning(*Order.__table__.c)
_INSERT_LINE = insert(OrderLine.__table__)


@lru_cache(maxsize=MAX_LINES)
def _stock_update(lines: int) -> Update:
    """One conditional UPDATE for ``lines`` products: it matches only rows with enough stock."""
    ids = [bindparam(f"p{n}") for n in range(lines)]
    amount = case(
        *((Product.id == ids[n], bindparam(f"q{n}", type_=Integer)) for n in range(lines))
    )
    return (
        update(Product)
        .where(Product.id.in_(ids), Product.stock >= amount)
        .values(stock=Product.stock - amount)
        .returning(Product.id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Placed:
    """The order, and whether this call made it (False: an earlier confirmation did)."""

    order: Order
    created: bool


async def place_order(
    uow: UnitOfWork,
    *,
    customer_id: int,
    items: Sequence[tuple[int, int]],
    idempotency_key: str,
    promo_code: str | None = None,
) -> Placed:
    """Create the order inside ``uow`` (caller commits); a repeated key returns the first order.

    Shared rows (stock, gift stock, promo counter) are touched last, so their row locks are
    held for a couple of statements and the commit, not for the whole checkout.
    """
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise InvalidInput(field="idempotency_key", reason="1–64 characters")
    # The customer's row lock serialises their confirmations: a twin waits here, then
    # finds the order the first one committed.
    found = (
        await uow.session.execute(
            _LOCK_CUSTOMER, {"customer_id": customer_id, "key": idempotency_key}
        )
    ).first()
    if found is None:
        raise InvalidInput(field="customer", reason="unknown customer")
    customer, earlier_order_id = found
    if earlier_order_id is not None:
        earlier = await uow.session.get(Order, earlier_order_id)
        assert earlier is not None
        return Placed(earlier, created=False)
    if customer.unit_id is None or customer.building_id is None or not customer.room:
        raise CustomerNotBound()
    if promo_code and customer.household_id is not None:
        # Identities of one household take turns redeeming: "once per household" holds
        # even when two of them confirm at the same moment.
        await uow.session.execute(_LOCK_HOUSEHOLD, {"household_id": customer.household_id})
    priced = await price_items(uow, customer, items, promo_code=promo_code, strict=True)
    now = uow.clock.now()
    order = await _write_order(uow, customer, priced, idempotency_key)
    await _take_stock(uow, priced.quote.paid_lines)
    await _take_gift_stock(uow, order.id, priced.quote.gift_lines)
    if priced.promotion is not None:
        await redeem(uow, priced.promotion, customer_id=customer.id, order_id=order.id, now=now)
    if customer.first_order_at is None:
        customer.first_order_at = now
    await uow.session.flush()
    return Placed(order, created=True)


async def checkout(
    db: Database,
    *,
    customer_id: int,
    items: Sequence[tuple[int, int]],
    idempotency_key: str,
    promo_code: str | None = None,
) -> Placed:
    """Place and commit; a lost race or a database deadlock is retried, never duplicated."""
    for attempt in range(ATTEMPTS):
        try:
            async with db.uow() as uow:
                placed = await place_order(
                    uow,
                    customer_id=customer_id,
                    items=items,
                    idempotency_key=idempotency_key,
                    promo_code=promo_code,
                )
                await uow.commit()
                return placed
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise  # the unique (customer, key) index caught a twin: read it next pass
        except DBAPIError as exc:
            if _sqlstate(exc) not in RETRYABLE or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _sqlstate(exc: DBAPIError) -> str | None:
    """PostgreSQL's error code, when the driver reports one."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


async def _take_stock(uow: UnitOfWork, lines: Sequence[QuoteLine]) -> None:
    """Decrement every line's stock in one conditional UPDATE; never below zero."""
    ordered = sorted(lines, key=lambda line: line.product_id)
    params: dict[str, int] = {}
    for n, line in enumerate(ordered):
        params[f"p{n}"], params[f"q{n}"] = line.product_id, line.quantity
    result = await uow.session.execute(_stock_update(len(ordered)), params)
    taken = set(result.scalars())
    for line in lines:
        if line.product_id not in taken:
            left = await uow.session.scalar(
                select(Product.stock).where(Product.id == line.product_id)
            )
            raise OutOfStock(sku=line.sku, left=int(left or 0), wanted=line.quantity)


async def _take_gift_stock(uow: UnitOfWork, order_id: int, gift_lines: Sequence[QuoteLine]) -> None:
    """Hand out gifts while gift stock lasts; a gift someone else just took is dropped."""
    for line in sorted(gift_lines, key=lambda line: line.gift_rule_id or 0):
        result = await uow.session.execute(
            update(GiftRule)
            .where(GiftRule.id == line.gift_rule_id, GiftRule.gift_stock >= line.quantity)
            .values(gift_stock=GiftRule.gift_stock - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await uow.session.execute(
                delete(OrderLine).where(
                    OrderLine.order_id == order_id, OrderLine.gift_rule_id == line.gift_rule_id
                )
            )


def _order_no(local_day: str) -> str:
    """A short number people can read out on the phone; never the internal id."""
    return f"{local_day}-{secrets.token_hex(3).upper()}"


async def _write_order(uow: UnitOfWork, customer: Customer, priced: PricedCart, key: str) -> Order:
    """Insert the order and its line snapshots (gifts included; dropped later if gone)."""
    row = (await uow.session.execute(_UNIT_AND_PARTNER, {"unit_id": customer.unit_id})).first()
    if row is None:
        raise CustomerNotBound()
    unit, partner_id = row
    settings = uow.settings
    now = uow.clock.now()
    slot = delivery_slot(
        now,
        settings.tz,
        cutoff=unit.cutoff,
        window_start=unit.window_start,
        window_end=unit.window_end,
    )
    quote = priced.quote
    values: dict[str, object] = dict(
        order_no=_order_no(local_now(uow.clock, settings.tz).strftime("%y%m%d")),
        customer_id=customer.id,
        unit_id=unit.id,
        partner_id=partner_id,
        building_id=customer.building_id,
        room=customer.room,
        household_id=customer.household_id,
        phone=customer.phone,
        idempotency_key=key,
        status=Status.PLACED,
        delivery_date=slot.date,
        window_start=slot.window_start,
        window_end=slot.window_end,
        goods_fen=quote.goods_fen,
        discount_fen=quote.discount_fen,
        shipping_fen=quote.shipping_fen,
        total_fen=quote.total_fen,
        reference_fen=quote.reference_fen,
        saving_fen=quote.saving_fen,
        promotion_id=priced.promotion.id if priced.promotion else None,
        placed_at=now,
    )
    row = (await uow.session.execute(_INSERT_ORDER, values)).one()
    order = Order(**row._asdict())  # a detached snapshot for the caller; nothing re-reads it
    products = await _with_gift_products(uow, priced.products, quote.gift_lines)
    await uow.session.execute(
        _INSERT_LINE,
        [_line_snapshot(row.id, line, products[line.product_id]) for line in quote.lines],
    )
    return order


async def _with_gift_products(
    uow: UnitOfWork, products: dict[int, Product], gifts: Sequence[QuoteLine]
) -> dict[int, Product]:
    """Load the gift products the cart did not already bring."""
    missing = {line.product_id for line in gifts} - products.keys()
    if not missing:
        return products
    rows = await uow.session.scalars(select(Product).where(Product.id.in_(missing)))
    return {**products, **{product.id: product for product in rows}}


def _line_snapshot(order_id: int, line: QuoteLine, product: Product) -> dict[str, object]:
    """Freeze names, prices and care notes as they were at checkout."""
    return dict(
        order_id=order_id,
        product_id=product.id,
        sku=product.sku,
        name_zh=product.name_zh,
        name_en=product.name_en,
        unit_zh=product.unit_zh,
        unit_en=product.unit_en,
        quantity=line.quantity,
        unit_price_fen=line.unit_price_fen,
        list_price_fen=line.list_price_fen,
        reference_price_fen=line.reference_price_fen,
        line_fen=line.line_fen,
        price_source=str(line.price_source),
        is_gift=line.is_gift,
        gift_rule_id=line.gift_rule_id,
        heavy=product.heavy,
        care_note_zh=product.care_note_zh,
        care_note_en=product.care_note_en,
    )
