"""Small builders so tests read as the story they tell, not as setup."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.catalog.search import index_product
from core.models import (
    Base,
    Category,
    CommissionEntry,
    Customer,
    GiftRule,
    Partner,
    Product,
    Promotion,
    Unit,
)
from core.orders.checkout import Placed, checkout
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.people.units import add_partner, buildings_of, create_unit
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

T = TypeVar("T")

_seq = itertools.count(1)


@dataclass
class UnitSetup:
    """A unit with its buildings and its active partner."""

    unit: Unit
    partner: Partner
    building_ids: list[int]


async def make_unit_with_partner(
    db: Database, code: str = "jinxiu", buildings: tuple[str, ...] = ("1栋", "2栋", "3栋")
) -> UnitSetup:
    """A unit of three buildings with partner 王阿姨."""
    async with db.uow() as uow:
        unit = await create_unit(
            uow,
            code=code,
            name_zh="锦绣花园",
            name_en="Jinxiu Garden",
            area="浦东",
            buildings=list(buildings),
        )
        partner = await add_partner(uow, unit_code=code, name="王阿姨", telegram_id=next(_seq))
        building_ids = [b.id for b in await buildings_of(uow, unit.id)]
        await uow.commit()
    return UnitSetup(unit, partner, building_ids)


async def make_category(db: Database, code: str = "drinks") -> Category:
    """A category to hang products on."""
    async with db.uow() as uow:
        category = Category(code=code, name_zh="饮料", name_en="Drinks", sort_order=1)
        uow.session.add(category)
        await uow.commit()
    return category


async def make_product(
    db: Database,
    sku: str,
    *,
    price_fen: int = 300,
    reference_fen: int | None = None,
    stock: int = 100,
    name_zh: str | None = None,
    care_note_zh: str | None = None,
    heavy: bool = False,
    category_code: str = "drinks",
) -> Product:
    """A product in stock, 5% under its supermarket price unless told otherwise."""
    async with db.uow() as uow:
        from sqlalchemy import select

        category = await uow.session.scalar(select(Category).where(Category.code == category_code))
        if category is None:
            category = Category(code=category_code, name_zh=category_code, name_en=category_code)
            uow.session.add(category)
            await uow.session.flush()
        product = Product(
            sku=sku,
            category_id=category.id,
            name_zh=name_zh or f"商品{sku}",
            name_en=f"Product {sku}",
            unit_zh="瓶",
            unit_en="bottle",
            price_fen=price_fen,
            reference_price_fen=reference_fen or price_fen * 105 // 100 + 1,
            heavy=heavy,
            stock=stock,
            care_note_zh=care_note_zh,
            care_note_en="care" if care_note_zh else None,
            updated_at=uow.clock.now(),
        )
        index_product(product)
        uow.session.add(product)
        await uow.commit()
    return product


async def make_gift_rule(
    db: Database, trigger: Product, gift: Product, *, min_quantity: int = 1, gift_stock: int = 10
) -> GiftRule:
    """Buy ``trigger`` and get one ``gift`` while gift stock lasts."""
    async with db.uow() as uow:
        rule = GiftRule(
            trigger_product_id=trigger.id,
            min_quantity=min_quantity,
            gift_product_id=gift.id,
            gift_quantity=1,
            gift_stock=gift_stock,
        )
        uow.session.add(rule)
        await uow.commit()
    return rule


async def make_promotion(db: Database, code: str, **fields: object) -> Promotion:
    """A promo code; ``fields`` override the Promotion columns (benefit is required)."""
    async with db.uow() as uow:
        values: dict[str, object] = {"name_zh": code, "name_en": code, "kind": "code"}
        values.update(fields)
        promotion = Promotion(code=code, **values)
        uow.session.add(promotion)
        await uow.commit()
    return promotion


async def make_bound_customer(
    db: Database,
    setup: UnitSetup,
    *,
    building: int = 0,
    room: str = "1201",
    phone: str | None = None,
) -> Customer:
    """A Telegram customer bound to the unit through its partner's link, with an address.

    Each gets a phone of their own unless told (one phone is one customer, ever).
    """
    phone = phone or f"139{next(_seq) % 10**8:08d}"
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "telegram", str(uuid.uuid4().int % 10**12))
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        await set_phone(uow, customer, phone)
        await uow.commit()
    return customer


async def place(
    db: Database,
    customer: Customer,
    lines: list[tuple[Product, int]],
    *,
    key: str | None = None,
    promo_code: str | None = None,
) -> Placed:
    """Check out ``lines`` for ``customer`` with a fresh idempotency key unless given."""
    return await checkout(
        db,
        customer_id=customer.id,
        items=[(product.id, quantity) for product, quantity in lines],
        idempotency_key=key or uuid.uuid4().hex,
        promo_code=promo_code,
    )


async def make_aisle(
    db: Database, code: str, *, sort_order: int, name_zh: str = "", name_en: str = ""
) -> Category:
    """A category at a given place in the walk through the shop (pick lists sort by it)."""
    async with db.uow() as uow:
        category = Category(
            code=code, name_zh=name_zh or code, name_en=name_en or code, sort_order=sort_order
        )
        uow.session.add(category)
        await uow.commit()
    return category


async def send_out(db: Database, order_id: int) -> None:
    """Pick the order and load it for the evening run."""
    from core.orders.lifecycle import advance
    from core.orders.status import Status

    async with db.uow() as uow:
        await advance(uow, order_id, Status.PICKED)
        await advance(uow, order_id, Status.OUT_FOR_DELIVERY)
        await uow.commit()


async def deliver_order(
    db: Database, order_id: int, *, crates: int | None = None, collected: int = 0
) -> bool:
    """Send the order out and hand it over at the door, crates and all."""
    from core.delivery.crates import deliver

    await send_out(db, order_id)
    async with db.uow() as uow:
        changed = await deliver(uow, order_id, crates=crates, collected=collected)
        await uow.commit()
    return changed


async def in_uow(db: Database, action: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run one service call in its own committed unit of work."""
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


async def read_uow(
    db: Database, action: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> T:
    """Run one read-only service call in its own unit of work."""
    async with db.uow() as uow:
        return await action(uow, *args, **kwargs)


async def web_identity(
    db: Database, setup: UnitSetup, room: str, *, phone: str | None = None, building: int = 0
) -> Customer:
    """A fresh browser that opened the partner's invite link and gave this address."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "web", uuid.uuid4().hex)
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        if phone:
            await set_phone(uow, customer, phone)
        await uow.commit()
    return customer


async def ledger_balances(db: Database) -> tuple[int, int]:
    """(payable, held) in the commission ledger, every partner together."""
    async with db.uow() as uow:
        row = (
            await uow.session.execute(
                select(
                    func.coalesce(func.sum(CommissionEntry.amount_fen), 0),
                    func.coalesce(func.sum(CommissionEntry.held_fen), 0),
                )
            )
        ).one()
    return int(row[0]), int(row[1])


@asynccontextmanager
async def scratch_sqlite(name: str) -> AsyncIterator[Database]:
    """A fresh schema in a SQLite file of its own (one a hypothesis example), its clock fixed
    at 10:00 on 23 November 2026 in Shanghai; disposed of after."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / f'{name}.sqlite3'}"
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        clock = FixedClock(dt.datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
        db = Database(engine, Settings(database_url=url), clock)
        try:
            yield db
        finally:
            await db.dispose()
