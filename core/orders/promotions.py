"""Promotions as stored ↔ the pure rules, the customer facts they need, and redemption."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from core.catalog.reference import remembered
from core.errors import PromoCapReached, PromoUnknown
from core.models import Customer, Order, Product, Promotion, Redemption
from core.money import Rounding
from core.people.households import has_ordered, kin_of
from core.platform.uow import UnitOfWork
from core.pricing.types import Benefit, CustomerFacts, PromoRule


def normalise_code(text: str) -> str:
    """Codes are typed by hand: ignore case and surrounding spaces."""
    return (text or "").strip().upper()


def to_rule(promotion: Promotion, product_sku: str | None = None) -> PromoRule:
    """The pure rule the pricing engine checks."""
    return PromoRule(
        promotion_id=promotion.id,
        code=promotion.code,
        benefit=Benefit(promotion.benefit),
        kind=promotion.kind,
        product_id=promotion.product_id,
        product_sku=product_sku,
        fixed_price_fen=promotion.fixed_price_fen,
        amount_off_fen=promotion.amount_off_fen,
        percent_off=promotion.percent_off,
        rounding=Rounding(promotion.rounding),
        first_order_only=promotion.first_order_only,
        min_spend_fen=promotion.min_spend_fen,
        valid_from=promotion.valid_from,
        valid_until=promotion.valid_until,
        per_customer_limit=promotion.per_customer_limit,
        total_cap=promotion.total_cap,
        redeemed_count=promotion.redeemed_count,
        unit_id=promotion.unit_id,
        for_elderly=promotion.for_elderly,
        for_children=promotion.for_children,
        for_pregnant=promotion.for_pregnant,
        active=promotion.active,
    )


async def rule_for(uow: UnitOfWork, promotion: Promotion) -> PromoRule:
    """The pure rule, with the offered product's sku so a refusal can name it."""
    sku = None
    if promotion.product_id is not None:
        sku = await uow.session.scalar(
            select(Product.sku).where(Product.id == promotion.product_id)
        )
    return to_rule(promotion, sku)


async def rules_for(uow: UnitOfWork, promotions: list[Promotion]) -> dict[int, PromoRule]:
    """Pure rules of several promotions by id, their products' skus in one query."""
    product_ids = {p.product_id for p in promotions if p.product_id is not None}
    skus: dict[int, str] = {}
    if product_ids:
        rows = await uow.session.execute(
            select(Product.id, Product.sku).where(Product.id.in_(product_ids))
        )
        skus = {product_id: sku for product_id, sku in rows.all()}
    return {
        p.id: to_rule(p, skus.get(p.product_id) if p.product_id is not None else None)
        for p in promotions
    }


async def promotion_by_code(uow: UnitOfWork, code: str) -> Promotion:
    """The promotion a customer typed, or PromoUnknown naming what they typed."""
    normalised = normalise_code(code)
    if not normalised or len(normalised) > 32:
        raise PromoUnknown(promo_code=normalised[:32])
    promotion = await uow.session.scalar(select(Promotion).where(Promotion.code == normalised))
    if promotion is None:
        raise PromoUnknown(promo_code=normalised)
    return promotion


async def customer_facts(
    uow: UnitOfWork, customer: Customer, *, live_orders: int, promotion_ids: list[int]
) -> CustomerFacts:
    """Facts for promo conditions; household flags count only with consent.

    "First order" and "uses so far" are the household's and the phone's, not the
    identity's (core/people/households.py): a second browser in the same room, or the
    same phone in another room, is not a new customer.
    """
    uses: dict[int, int] = {}
    if promotion_ids:
        rows = await uow.session.execute(
            select(Redemption.promotion_id, func.count())
            .join(Order, Order.id == Redemption.order_id)
            .where(
                kin_of(customer),
                Redemption.promotion_id.in_(promotion_ids),
                Redemption.revoked_at.is_(None),
            )
            .group_by(Redemption.promotion_id)
        )
        uses = {promotion_id: int(count) for promotion_id, count in rows.all()}
    consented = customer.profile_consent_at is not None
    first = live_orders == 0 and not await has_ordered(uow, customer)
    return CustomerFacts(
        unit_id=customer.unit_id,
        is_first_order=first,
        has_elderly=consented and customer.has_elderly,
        has_children=consented and customer.has_children,
        has_pregnant=consented and customer.has_pregnant,
        promo_uses=uses,
    )


async def coupons_on_offer(uow: UnitOfWork) -> list[Promotion]:
    """Active coupons (no typing needed); the cart checks which apply to this customer."""
    rows = await uow.session.scalars(
        select(Promotion)
        .where(Promotion.kind == "coupon", Promotion.active.is_(True))
        .order_by(Promotion.id)
    )
    return list(rows)


async def coupon_rules_on_offer(uow: UnitOfWork) -> tuple[PromoRule, ...]:
    """The coupons the cart may suggest, as pure rules, from the per-process cache.

    A display hint only (a cap reached in the last few seconds may still be suggested):
    applying a code and checkout load the promotion from the database.
    """
    return await remembered(uow, "coupon_rules", _load_coupon_rules)


async def _load_coupon_rules(uow: UnitOfWork) -> tuple[PromoRule, ...]:
    """Active coupons and their rules, read for the cache."""
    coupons = await coupons_on_offer(uow)
    rules = await rules_for(uow, coupons)
    return tuple(rules[coupon.id] for coupon in coupons)


async def redeem(
    uow: UnitOfWork, promotion: Promotion, *, customer_id: int, order_id: int, now: dt.datetime
) -> None:
    """Count one redemption atomically; the conditional UPDATE is what enforces the cap."""
    result = await uow.session.execute(
        update(Promotion)
        .where(
            Promotion.id == promotion.id,
            (Promotion.total_cap.is_(None)) | (Promotion.redeemed_count < Promotion.total_cap),
        )
        .values(redeemed_count=Promotion.redeemed_count + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PromoCapReached(promo_code=promotion.code, cap=promotion.total_cap or 0)
    uow.session.add(
        Redemption(
            promotion_id=promotion.id, customer_id=customer_id, order_id=order_id, created_at=now
        )
    )


async def revoke(uow: UnitOfWork, order_id: int, *, now: dt.datetime) -> bool:
    """Give a cancelled order's redemption back to the customer and to the cap."""
    redemption = await uow.session.scalar(
        select(Redemption).where(Redemption.order_id == order_id, Redemption.revoked_at.is_(None))
    )
    if redemption is None:
        return False
    redemption.revoked_at = now
    await uow.session.execute(
        update(Promotion)
        .where(Promotion.id == redemption.promotion_id, Promotion.redeemed_count > 0)
        .values(redeemed_count=Promotion.redeemed_count - 1)
        .execution_options(synchronize_session=False)
    )
    return True


async def promotion_with_code(uow: UnitOfWork, code: str) -> Promotion | None:
    """The promotion stored under exactly this code (a coupon the cart offers), if any."""
    return await uow.session.scalar(select(Promotion).where(Promotion.code == code))


async def promotion_by_id(uow: UnitOfWork, promotion_id: int) -> Promotion | None:
    """A promotion by id; None when there is none (a stale button)."""
    return await uow.session.get(Promotion, promotion_id)


async def code_of(uow: UnitOfWork, promotion_id: int) -> str | None:
    """The code customers type for this promotion."""
    return await uow.session.scalar(select(Promotion.code).where(Promotion.id == promotion_id))
