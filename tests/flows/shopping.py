"""Shoppers of the in-memory channel and their carts, for the cart and checkout flow tests."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select

from core.models import Customer, Order, Product
from core.orders.cart import cart_items, set_quantity
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.platform.uow import Database
from tests.factories import UnitSetup


async def make_shopper(
    db: Database,
    setup: UnitSetup,
    user: str = "ann",
    *,
    building: int | None = 2,
    room: str = "1201",
    phone: str | None = "",
    locale: str = "en",
) -> Customer:
    """A customer of the memory channel, bound to the unit through its partner's link.

    ``building=None`` leaves the address unknown and ``phone=None`` the phone; by default
    each shopper has a phone of their own (ann's is 13900000000): one phone is one customer.
    """
    if phone == "":
        phone = "13900000000" if user == "ann" else f"139{zlib.crc32(user.encode()) % 10**8:08d}"
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", user, locale=locale)
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        if building is not None:
            await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        if phone is not None:
            await set_phone(uow, customer, phone)
        await uow.commit()
    return customer


async def put_in_cart(db: Database, customer: Customer, product: Product, quantity: int) -> None:
    """Put ``quantity`` of ``product`` in the customer's cart, as the product card would."""
    async with db.uow() as uow:
        await set_quantity(uow, customer.id, product.id, quantity)
        await uow.commit()


async def set_stock(db: Database, product: Product, stock: int) -> None:
    """What the warehouse has left of ``product``."""
    async with db.uow() as uow:
        row = await uow.session.get(Product, product.id)
        assert row is not None
        row.stock = stock
        await uow.commit()


async def order_count(db: Database) -> int:
    """How many orders exist."""
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Order)) or 0)


async def cart_of(db: Database, customer: Customer) -> list[tuple[int, int]]:
    """(product id, quantity) of the customer's cart."""
    async with db.uow() as uow:
        return await cart_items(uow, customer.id)


def labels(message: object) -> list[str]:
    """Every inline button label of a message."""
    return [button.label for row in getattr(message, "buttons", ()) for button in row]
