"""The cart survives restarts, is quoted on every view and becomes one order at checkout."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import InvalidQuantity, PromoMinSpendNotMet, PromoUnknown
from core.models import Order
from core.orders import cart
from core.people.customers import get_customer, set_household_profile
from tests.factories import (
    make_bound_customer,
    make_product,
    make_promotion,
    make_unit_with_partner,
)


async def _do(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


async def test_the_cart_shows_how_much_more_for_free_shipping(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    oil = await make_product(db, "OIL", price_fen=6990)
    await _do(db, cart.set_quantity, customer.id, oil.id, 1)
    shown = await _do(db, cart.view, customer)
    quote = shown.priced.quote
    assert (quote.goods_fen, quote.shipping_fen, quote.free_shipping_missing_fen) == (
        6990,
        300,
        1910,
    )


async def test_plus_and_minus_buttons_move_quantities_within_bounds(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA")
    assert await _do(db, cart.change_quantity, customer.id, cola.id, +1) == 1
    assert await _do(db, cart.change_quantity, customer.id, cola.id, +200) == 99
    assert await _do(db, cart.change_quantity, customer.id, cola.id, -500) == 0
    assert (await _do(db, cart.view, customer)).priced is None
    with pytest.raises(InvalidQuantity):
        await _do(db, cart.set_quantity, customer.id, cola.id, -3)


async def test_a_line_beyond_the_stock_is_flagged_before_checkout(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    melon = await make_product(db, "MELON", stock=2)
    await _do(db, cart.set_quantity, customer.id, melon.id, 5)
    assert (await _do(db, cart.view, customer)).short == {"MELON": 2}


async def test_a_code_that_does_not_apply_is_refused_with_the_missing_amount(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    tea = await make_product(db, "TEA", price_fen=3770)
    await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500, min_spend_fen=5000)
    await _do(db, cart.set_quantity, customer.id, tea.id, 1)
    with pytest.raises(PromoMinSpendNotMet) as refusal:
        await _do(db, cart.apply_code, customer, "save5")
    assert refusal.value.data["missing_fen"] == 1230
    with pytest.raises(PromoUnknown):
        await _do(db, cart.apply_code, customer, "x" * 500)


async def test_a_stored_code_that_stops_applying_is_shown_with_its_reason(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    tea = await make_product(db, "TEA", price_fen=3000)
    await make_promotion(db, "SAVE5", benefit="amount_off", amount_off_fen=500, min_spend_fen=5000)
    await _do(db, cart.set_quantity, customer.id, tea.id, 2)
    applied = await _do(db, cart.apply_code, customer, "SAVE5")
    assert applied.priced.quote.discount_fen == 500
    await _do(db, cart.set_quantity, customer.id, tea.id, 1)
    shown = await _do(db, cart.view, customer)
    assert shown.priced.quote.discount_fen == 0
    assert isinstance(shown.priced.quote.promo_error, PromoMinSpendNotMet)


async def test_household_coupons_are_offered_only_to_households_that_consented(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    milk = await make_product(db, "MILK", price_fen=4000)
    await make_promotion(
        db,
        "ELDER5",
        kind="coupon",
        benefit="amount_off",
        amount_off_fen=500,
        min_spend_fen=3000,
        for_elderly=True,
        valid_until=clock.now() + dt.timedelta(days=30),
    )
    await _do(db, cart.set_quantity, customer.id, milk.id, 1)
    assert (await _do(db, cart.view, customer)).coupons == ()
    async with db.uow() as uow:
        fresh = await get_customer(uow, customer.id)
        await set_household_profile(uow, fresh, consent=True, elderly=True)
        await uow.commit()
    assert (await _do(db, cart.view, fresh)).coupons == ("ELDER5",)


async def test_checking_out_the_cart_twice_with_one_key_makes_one_order_and_empties_it(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA")
    await _do(db, cart.set_quantity, customer.id, cola.id, 4)
    first = await _do(db, cart.checkout_cart, customer, "tap")
    second = await _do(db, cart.checkout_cart, customer, "tap")
    assert first.created and not second.created and first.order.id == second.order.id
    assert (await _do(db, cart.view, customer)).priced is None
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 1
