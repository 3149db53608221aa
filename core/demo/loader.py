"""Load the demo city into a database: safe to run again, it only adds what is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from core.catalog.deals import count_deals
from core.catalog.search import index_product
from core.demo.data import CATEGORIES, GIFTS, PROMOTIONS, UNITS, demo_products, pick_deals
from core.models import Building, Category, DealEntry, GiftRule, Product, Promotion, Unit
from core.people.invites_print.links import invite_url
from core.people.operators import add_operator, operator_by_username, password_matches
from core.people.units import active_partner, add_partner, create_unit
from core.people.web_tokens import partner_enrolment_link
from core.platform.uow import UnitOfWork

MIN_DEALS = 200
# The console's demo sign-in, printed by ``linli demo`` so a newcomer can open /admin.
DEMO_OPERATOR = ("hq", "linli-demo")


@dataclass(frozen=True)
class UnitSummary:
    """A demo unit as an operator needs it to try the bot: who the partner is, their code."""

    code: str
    name_zh: str
    buildings: int
    partner_name: str | None
    partner_phone: str | None
    invite_code: str | None
    # A customer's way in (the partner's invite link) and a fresh one-time partner sign-in
    # link (24 hours): the two browser windows of the README's "Try it".
    customer_link: str | None = None
    partner_link: str | None = None


@dataclass(frozen=True)
class DemoSummary:
    """What the demo database now holds; ``created`` is False when it was already there."""

    units: tuple[UnitSummary, ...]
    categories: int
    products: int
    gift_rules: int
    deals_today: int
    promo_codes: tuple[str, ...]
    created: bool
    # (username, password) of the demo HQ operator, while that password still signs in
    console_sign_in: tuple[str, str] | None = None


async def _ensure_units(uow: UnitOfWork) -> bool:
    """Create missing demo units and give every one without a partner its demo partner."""
    codes = [spec.code for spec in UNITS]
    existing = set(await uow.session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    for spec in UNITS:
        if spec.code not in existing:
            unit = await create_unit(
                uow,
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                area=spec.area,
                buildings=list(spec.buildings),
            )
        else:
            unit = await uow.session.scalar(select(Unit).where(Unit.code == spec.code))
        if unit is not None and await active_partner(uow, unit.id) is None:
            await add_partner(
                uow, unit_code=spec.code, name=spec.partner_name, phone=spec.partner_phone
            )
    return len(existing) < len(UNITS)


async def _ensure_categories(uow: UnitOfWork) -> dict[str, int]:
    """Category id by code, creating the demo aisles that are missing."""
    rows = await uow.session.execute(select(Category.code, Category.id))
    ids = {code: category_id for code, category_id in rows}
    missing = [
        Category(code=spec.code, name_zh=spec.name_zh, name_en=spec.name_en, sort_order=10 * n)
        for n, spec in enumerate(CATEGORIES, start=1)
        if spec.code not in ids
    ]
    if missing:
        uow.session.add_all(missing)
        await uow.session.flush()
        ids.update({category.code: category.id for category in missing})
    return ids


async def _ensure_products(uow: UnitOfWork, category_ids: dict[str, int]) -> dict[str, int]:
    """Product id by SKU for the whole demo catalog, inserting missing SKUs in one flush."""
    rows = await uow.session.execute(select(Product.sku, Product.id))
    ids = {sku: product_id for sku, product_id in rows}
    now = uow.clock.now()
    missing = []
    for spec in demo_products():
        if spec.sku in ids:
            continue
        product = Product(
            sku=spec.sku,
            category_id=category_ids[spec.category],
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            unit_zh=spec.unit_zh,
            unit_en=spec.unit_en,
            price_fen=spec.price_fen,
            reference_price_fen=spec.reference_price_fen,
            heavy=spec.heavy,
            stock=spec.stock,
            care_note_zh=spec.care_note_zh,
            care_note_en=spec.care_note_en,
            active=True,
            updated_at=now,
        )
        index_product(product)
        missing.append(product)
    if missing:
        uow.session.add_all(missing)
        await uow.session.flush()
        ids.update({product.sku: product.id for product in missing})
    return ids


async def _ensure_gift_rules(uow: UnitOfWork, product_ids: dict[str, int]) -> None:
    """Add each demo gift rule unless the same trigger → gift pair is already there."""
    sku_by_name = {spec.name_zh: spec.sku for spec in demo_products()}
    rows = await uow.session.execute(select(GiftRule.trigger_product_id, GiftRule.gift_product_id))
    pairs = {(trigger, gift) for trigger, gift in rows}
    for spec in GIFTS:
        trigger = product_ids[sku_by_name.get(spec.trigger, spec.trigger)]
        gift = product_ids[spec.gift_sku]
        if (trigger, gift) in pairs:
            continue
        uow.session.add(
            GiftRule(
                trigger_product_id=trigger,
                min_quantity=spec.min_quantity,
                gift_product_id=gift,
                gift_quantity=spec.gift_quantity,
                gift_stock=spec.gift_stock,
                active=True,
            )
        )
        pairs.add((trigger, gift))
    await uow.session.flush()


async def _ensure_promotions(uow: UnitOfWork, product_ids: dict[str, int]) -> None:
    """Add the demo promo codes and coupons that do not exist yet (never reset counters)."""
    existing = set(await uow.session.scalars(select(Promotion.code)))
    for spec in PROMOTIONS:
        if spec.code in existing:
            continue
        uow.session.add(
            Promotion(
                code=spec.code,
                kind=spec.kind,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                benefit=spec.benefit,
                product_id=product_ids[spec.product_sku] if spec.product_sku else None,
                fixed_price_fen=spec.fixed_price_fen,
                amount_off_fen=spec.amount_off_fen,
                percent_off=spec.percent_off,
                rounding=spec.rounding,
                first_order_only=spec.first_order_only,
                min_spend_fen=spec.min_spend_fen,
                per_customer_limit=spec.per_customer_limit,
                total_cap=spec.total_cap,
                redeemed_count=0,
                for_elderly=spec.for_elderly,
                for_children=spec.for_children,
                for_pregnant=spec.for_pregnant,
                active=True,
            )
        )
    await uow.session.flush()


async def _ensure_deals(uow: UnitOfWork, today: dt.date) -> None:
    """Fill today's deals zone from the whole active catalog unless it already has enough."""
    if await count_deals(uow, today) >= MIN_DEALS:
        return
    present = set(
        await uow.session.scalars(select(DealEntry.product_id).where(DealEntry.deal_date == today))
    )
    rows = await uow.session.execute(
        select(Product.sku, Product.id, Product.price_fen).where(Product.active.is_(True))
    )
    catalog = {sku: (product_id, price) for sku, product_id, price in rows}
    picks = pick_deals([(sku, price) for sku, (_, price) in catalog.items()], today)
    uow.session.add_all(
        DealEntry(deal_date=today, product_id=catalog[sku][0], deal_price_fen=deal)
        for sku, deal in picks
        if catalog[sku][0] not in present
    )
    await uow.session.flush()


async def _unit_summaries(uow: UnitOfWork, codes: Iterable[str]) -> tuple[UnitSummary, ...]:
    """Each demo unit with its building count and active partner."""
    summaries = []
    for code in codes:
        unit = await uow.session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            continue
        buildings = await _count(
            uow, select(func.count()).select_from(Building).where(Building.unit_id == unit.id)
        )
        partner = await active_partner(uow, unit.id)
        summaries.append(
            UnitSummary(
                code=unit.code,
                name_zh=unit.name_zh,
                buildings=buildings,
                partner_name=partner.name if partner else None,
                partner_phone=partner.phone if partner else None,
                invite_code=partner.invite_code if partner else None,
                customer_link=invite_url(uow.settings, partner.invite_code) if partner else None,
                partner_link=await partner_enrolment_link(uow, partner) if partner else None,
            )
        )
    return tuple(summaries)


async def _ensure_operator(uow: UnitOfWork) -> tuple[str, str] | None:
    """The demo HQ operator; None once someone changed its password (then it is not shown)."""
    username, password = DEMO_OPERATOR
    operator = await operator_by_username(uow, username)
    if operator is None:
        await add_operator(uow, username, password)
        return DEMO_OPERATOR
    return DEMO_OPERATOR if password_matches(operator, password) else None


async def _count(uow: UnitOfWork, statement: Select[tuple[int]]) -> int:
    """A count query's answer as an int."""
    return int(await uow.session.scalar(statement) or 0)


async def load_demo(uow: UnitOfWork, today: dt.date) -> DemoSummary:
    """Build (or top up) the demo city and ``today``'s deals zone; the caller commits."""
    created = await _ensure_units(uow)
    category_ids = await _ensure_categories(uow)
    product_ids = await _ensure_products(uow, category_ids)
    await _ensure_gift_rules(uow, product_ids)
    await _ensure_promotions(uow, product_ids)
    await _ensure_deals(uow, today)
    console_sign_in = await _ensure_operator(uow)
    codes = [spec.code for spec in PROMOTIONS]
    found = set(await uow.session.scalars(select(Promotion.code).where(Promotion.code.in_(codes))))
    return DemoSummary(
        units=await _unit_summaries(uow, [spec.code for spec in UNITS]),
        categories=await _count(uow, select(func.count()).select_from(Category)),
        products=await _count(
            uow, select(func.count()).select_from(Product).where(Product.active.is_(True))
        ),
        gift_rules=await _count(
            uow, select(func.count()).select_from(GiftRule).where(GiftRule.active.is_(True))
        ),
        deals_today=await count_deals(uow, today),
        promo_codes=tuple(code for code in codes if code in found),
        created=created,
        console_sign_in=console_sign_in,
    )
