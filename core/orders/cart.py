"""The cart: stored per customer, quoted on every view, turned into an order at checkout."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update

from core.errors import InvalidQuantity, ProductUnavailable, PromoError
from core.models import CartLine, CartPromo, Customer, Product
from core.orders.checkout import Placed, place_order
from core.orders.pricing_context import (
    MAX_LINES,
    MAX_QUANTITY,
    PricedCart,
    PricingInputs,
    load_inputs,
    price_items,
    quote_inputs,
)
from core.orders.promotions import (
    coupon_rules_on_offer,
    customer_facts,
    normalise_code,
    promotion_by_code,
)
from core.people.customers import live_order_count
from core.platform.uow import UnitOfWork


@dataclass(frozen=True)
class CartView:
    """What the cart screen shows: the quote, lines short of stock, coupons that would apply."""

    priced: PricedCart | None
    promo_code: str | None
    short: dict[str, int]
    coupons: tuple[str, ...]


_LINES = (
    select(CartLine.product_id, CartLine.quantity)
    .where(CartLine.customer_id == bindparam("customer_id"))
    .order_by(CartLine.added_at, CartLine.product_id)
)


# Core statements on the table: the cart's rows are only ever read through cart_items.
_LINE = CartLine.__table__
_LINE_KEY = (_LINE.c.customer_id == bindparam("of_customer")) & (
    _LINE.c.product_id == bindparam("of_product")
)
_INSERT_LINE = insert(_LINE)
_UPDATE_LINE = update(_LINE).where(_LINE_KEY).values(quantity=bindparam("new_quantity"))
_DELETE_LINE = delete(_LINE).where(_LINE_KEY)


async def cart_items(uow: UnitOfWork, customer_id: int) -> list[tuple[int, int]]:
    """(product id, quantity) in the order lines were added.

    Read once per transaction: a single tap may show the cart count, the card's "in
    cart" and check the line limit. The writers below keep the memo in step.
    """
    key = ("cart", customer_id)
    memo = uow.memo.get(key)
    if memo is None:
        rows = await uow.session.execute(_LINES, {"customer_id": customer_id})
        memo = uow.memo[key] = [(product_id, quantity) for product_id, quantity in rows.all()]
    return list(memo)


def _remember(uow: UnitOfWork, customer_id: int, product_id: int, quantity: int) -> None:
    """Keep the memo of the cart's lines as the database now has them."""
    memo = uow.memo.get(("cart", customer_id))
    if memo is None:
        return
    at = next((n for n, (pid, _q) in enumerate(memo) if pid == product_id), None)
    if at is None:
        if quantity:
            memo.append((product_id, quantity))
    elif quantity:
        memo[at] = (product_id, quantity)
    else:
        del memo[at]


async def set_quantity(uow: UnitOfWork, customer_id: int, product_id: int, quantity: int) -> int:
    """Set a line's quantity (0 removes it); returns the quantity now in the cart.

    Every refusal comes before the write, so callers need no savepoint around this.
    """
    whole = isinstance(quantity, int) and not isinstance(quantity, bool)
    if not whole or not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(quantity=quantity, maximum=MAX_QUANTITY)
    lines = dict(await cart_items(uow, customer_id))
    current = lines.get(product_id)
    keys = {"of_customer": customer_id, "of_product": product_id}
    if quantity == 0:
        if current is not None:
            await uow.session.execute(_DELETE_LINE, keys)
            _remember(uow, customer_id, product_id, 0)
        return 0
    if current is None:
        product = await uow.session.get(Product, product_id)
        if product is None or not product.active:
            raise ProductUnavailable(sku=product.sku if product else "")
        if len(lines) >= MAX_LINES:
            raise InvalidQuantity(quantity=MAX_LINES + 1, maximum=MAX_LINES)
        await uow.session.execute(
            _INSERT_LINE,
            {
                "customer_id": customer_id,
                "product_id": product_id,
                "quantity": quantity,
                "added_at": uow.clock.now(),
            },
        )
    elif current != quantity:
        await uow.session.execute(_UPDATE_LINE, {**keys, "new_quantity": quantity})
    _remember(uow, customer_id, product_id, quantity)
    return quantity


async def change_quantity(uow: UnitOfWork, customer_id: int, product_id: int, delta: int) -> int:
    """The + / − buttons: move a line by ``delta``, clamped to 0..99."""
    current = dict(await cart_items(uow, customer_id)).get(product_id, 0)
    return await set_quantity(
        uow, customer_id, product_id, max(0, min(MAX_QUANTITY, current + delta))
    )


async def clear(uow: UnitOfWork, customer_id: int) -> None:
    """Empty the cart and forget its promo code."""
    uow.memo[("cart", customer_id)] = []
    await uow.session.execute(delete(CartLine).where(CartLine.customer_id == customer_id))
    await uow.session.execute(delete(CartPromo).where(CartPromo.customer_id == customer_id))


async def apply_code(uow: UnitOfWork, customer: Customer, code: str) -> CartView:
    """Remember a typed code if it applies to this cart now; otherwise raise why not."""
    promotion = await promotion_by_code(uow, code)
    items = await cart_items(uow, customer.id)
    if items:
        await price_items(uow, customer, items, promo_code=promotion.code, strict=True)
    existing = await uow.session.get(CartPromo, customer.id)
    if existing is None:
        uow.session.add(CartPromo(customer_id=customer.id, promo_code=promotion.code))
    else:
        existing.promo_code = promotion.code
    await uow.session.flush()
    return await view(uow, customer)


async def remove_code(uow: UnitOfWork, customer_id: int) -> None:
    """Forget the promo code."""
    await uow.session.execute(delete(CartPromo).where(CartPromo.customer_id == customer_id))


async def view(uow: UnitOfWork, customer: Customer) -> CartView:
    """Quote the cart as it stands; a code that stopped applying is shown with its reason."""
    items = await cart_items(uow, customer.id)
    stored = await uow.session.get(CartPromo, customer.id)
    code = stored.promo_code if stored else None
    if not items:
        return CartView(priced=None, promo_code=code, short={}, coupons=())
    inputs = await load_inputs(uow, items)
    priced = await price_items(uow, customer, items, promo_code=code, strict=False, inputs=inputs)
    short = {
        product.sku: product.stock
        for product_id, quantity in items
        if (product := priced.products[product_id]).stock < quantity
    }
    coupons = await _applicable_coupons(uow, customer, inputs) if code is None else ()
    return CartView(priced=priced, promo_code=code, short=short, coupons=coupons)


async def _applicable_coupons(
    uow: UnitOfWork, customer: Customer, inputs: PricingInputs
) -> tuple[str, ...]:
    """Coupons this customer could apply to this cart right now.

    The customer's facts and the coupons' rules are loaded once for all coupons; each
    coupon then costs one pure quote, not a round of queries.
    """
    rules = await coupon_rules_on_offer(uow)
    if not rules:
        return ()
    facts = await customer_facts(
        uow,
        customer,
        live_orders=await live_order_count(uow, customer.id),
        promotion_ids=[rule.promotion_id for rule in rules],
    )
    usable = []
    for rule in rules:
        try:
            quote_inputs(uow, inputs, promo=rule, customer=facts, strict=True)
        except PromoError:
            continue
        usable.append(rule.code)
    return tuple(usable)


async def checkout_cart(uow: UnitOfWork, customer: Customer, idempotency_key: str) -> Placed:
    """Place the cart as an order and empty it, in the same transaction."""
    stored = await uow.session.get(CartPromo, customer.id)
    items = await cart_items(uow, customer.id)
    placed = await place_order(
        uow,
        customer_id=customer.id,
        items=items,
        idempotency_key=idempotency_key,
        promo_code=normalise_code(stored.promo_code) if stored else None,
    )
    if placed.created:
        await clear(uow, customer.id)
    return placed
