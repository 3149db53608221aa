"""Checkout turns a cart into exactly one order, with stock, gifts and promos accounted for."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import (
    CustomerNotBound,
    EmptyCart,
    InvalidQuantity,
    OutOfStock,
    ProductUnavailable,
    PromoAlreadyUsed,
    PromoFirstOrderOnly,
    PromoUnknown,
)
from core.models import GiftRule, Order, OrderLine, Product, Promotion, Redemption
from core.orders.checkout import checkout
from tests.factories import (
    make_bound_customer,
    make_gift_rule,
    make_product,
    make_promotion,
    make_unit_with_partner,
    place,
)


async def _stock(db, product) -> int:
    async with db.uow() as uow:
        return await uow.session.scalar(select(Product.stock).where(Product.id == product.id))


async def test_an_order_freezes_prices_and_takes_stock(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    rice = await make_product(db, "RICE", price_fen=4590, reference_fen=4990, stock=5)
    placed = await place(db, customer, [(rice, 2)])
    order = placed.order
    assert placed.created
    assert (order.goods_fen, order.shipping_fen, order.total_fen) == (9180, 0, 9180)
    assert order.saving_fen == 9980 - 9180
    assert order.partner_id == setup.partner.id
    assert order.room == "1201" and order.status == "placed"
    assert await _stock(db, rice) == 3
    async with db.uow() as uow:
        lines = (await uow.session.scalars(select(OrderLine))).all()
    assert [(line.sku, line.quantity, line.unit_price_fen) for line in lines] == [("RICE", 2, 4590)]


async def test_a_small_order_pays_three_yuan_shipping(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA", price_fen=300)
    order = (await place(db, customer, [(cola, 3)])).order
    assert (order.goods_fen, order.shipping_fen, order.total_fen) == (900, 300, 1200)


async def test_the_same_confirmation_twice_returns_the_first_order(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA", stock=10)
    first = await place(db, customer, [(cola, 2)], key="tap-1")
    second = await place(db, customer, [(cola, 2)], key="tap-1")
    assert second.order.id == first.order.id and not second.created
    assert await _stock(db, cola) == 8


async def test_buying_more_than_is_left_is_refused_and_takes_nothing(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA", stock=2)
    tea = await make_product(db, "TEA", stock=9)
    with pytest.raises(OutOfStock) as refusal:
        await place(db, customer, [(tea, 1), (cola, 3)])
    assert refusal.value.data == {"sku": "COLA", "left": 2, "wanted": 3}
    assert await _stock(db, tea) == 9
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 0


async def test_an_unbound_customer_cannot_check_out(db):
    from core.people.customers import customer_for_identity

    cola = await make_product(db, "COLA")
    async with db.uow() as uow:
        stranger = await customer_for_identity(uow, "telegram", "42")
        await uow.commit()
    with pytest.raises(CustomerNotBound):
        await place(db, stranger, [(cola, 1)])


@pytest.mark.parametrize("quantity", [0, -1, 100, True, 1.5])
async def test_silly_quantities_are_refused(db, quantity):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA")
    with pytest.raises(InvalidQuantity):
        await checkout(
            db, customer_id=customer.id, items=[(cola.id, quantity)], idempotency_key="k"
        )


async def test_an_empty_cart_and_a_delisted_product_are_refused(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    with pytest.raises(EmptyCart):
        await checkout(db, customer_id=customer.id, items=[], idempotency_key="k")
    with pytest.raises(ProductUnavailable):
        await checkout(db, customer_id=customer.id, items=[(999_999, 1)], idempotency_key="k")


async def test_gifts_are_added_while_gift_stock_lasts(db):
    setup = await make_unit_with_partner(db)
    alice = await make_bound_customer(db, setup, room="101")
    bob = await make_bound_customer(db, setup, room="102")
    feet = await make_product(db, "FEET", price_fen=2590)
    gloves = await make_product(db, "GLOVES", price_fen=50, stock=0)
    rule = await make_gift_rule(db, feet, gloves, gift_stock=1)
    first = await place(db, alice, [(feet, 1)])
    second = await place(db, bob, [(feet, 1)])
    async with db.uow() as uow:
        gifts = (
            await uow.session.scalars(select(OrderLine).where(OrderLine.is_gift.is_(True)))
        ).all()
        left = await uow.session.scalar(select(GiftRule.gift_stock).where(GiftRule.id == rule.id))
    assert [(g.order_id, g.sku, g.line_fen) for g in gifts] == [(first.order.id, "GLOVES", 0)]
    assert second.order.total_fen == 2590 + 300
    assert left == 0


async def test_the_coke_code_sells_one_coke_for_ten_fen_on_a_first_order_only(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    coke = await make_product(db, "COKE", price_fen=300)
    await make_promotion(
        db,
        "COKE01",
        benefit="fixed_price_item",
        product_id=coke.id,
        fixed_price_fen=10,
        first_order_only=True,
        per_customer_limit=1,
        total_cap=1000,
    )
    order = (await place(db, customer, [(coke, 2)], promo_code=" coke01 ")).order
    assert (order.goods_fen, order.discount_fen, order.total_fen) == (600, 290, 610)
    with pytest.raises((PromoFirstOrderOnly, PromoAlreadyUsed)):
        await place(db, customer, [(coke, 1)], promo_code="COKE01")
    with pytest.raises(PromoUnknown):
        await place(db, customer, [(coke, 1)], promo_code="NOPE")
    async with db.uow() as uow:
        count = await uow.session.scalar(select(Promotion.redeemed_count))
        redemptions = await uow.session.scalar(select(func.count()).select_from(Redemption))
    assert (count, redemptions) == (1, 1)
