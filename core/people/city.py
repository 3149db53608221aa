"""What the city looks like right now: the facts an operator checks when Linli starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from core.models import DealEntry, Partner, Product, Promotion, Unit
from core.orders.delivery_date import delivery_slot
from core.platform.uow import UnitOfWork


@dataclass(frozen=True)
class UnitFacts:
    """One unit, its partner and the evening an order placed now would arrive."""

    code: str
    name_zh: str
    partner_name: str | None
    invite_code: str | None
    next_delivery: dt.date
    cutoff: dt.time


@dataclass(frozen=True)
class CityFacts:
    """Counts an operator wants to see at a glance."""

    units: tuple[UnitFacts, ...]
    active_products: int
    deals_today: int
    promo_codes: tuple[str, ...]


async def city_facts(uow: UnitOfWork) -> CityFacts:
    """Units with partners and next delivery, product and deal counts, live promo codes."""
    now = uow.clock.now()
    tz = uow.settings.tz
    today = now.astimezone(tz).date()
    rows = await uow.session.execute(
        select(Unit, Partner)
        .outerjoin(Partner, (Partner.unit_id == Unit.id) & Partner.active.is_(True))
        .where(Unit.active.is_(True))
        .order_by(Unit.code)
    )
    units = tuple(
        UnitFacts(
            code=unit.code,
            name_zh=unit.name_zh,
            partner_name=partner.name if partner else None,
            invite_code=partner.invite_code if partner else None,
            next_delivery=delivery_slot(
                now,
                tz,
                cutoff=unit.cutoff,
                window_start=unit.window_start,
                window_end=unit.window_end,
            ).date,
            cutoff=unit.cutoff,
        )
        for unit, partner in rows.all()
    )
    products = await uow.session.scalar(
        select(func.count()).select_from(Product).where(Product.active.is_(True))
    )
    deals = await uow.session.scalar(
        select(func.count()).select_from(DealEntry).where(DealEntry.deal_date == today)
    )
    codes = await uow.session.scalars(
        select(Promotion.code).where(Promotion.active.is_(True)).order_by(Promotion.code)
    )
    return CityFacts(
        units=units,
        active_products=int(products or 0),
        deals_today=int(deals or 0),
        promo_codes=tuple(codes),
    )
