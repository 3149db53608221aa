"""HQ's promo codes and coupons: create, pause/resume, and how each stands against its caps.

Pricing reads the same ``Promotion`` rows (core/orders/promotions.py): a paused one is refused
as unknown at once, and the coupon cache reloads because the change is a catalog write
(core/catalog/reference.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from core.catalog.search import product_by_sku
from core.errors import InvalidInput, NotFound
from core.models import Promotion, Redemption, Unit
from core.orders.promotions import normalise_code
from core.platform.uow import UnitOfWork

BENEFITS = ("amount_off", "percent_off", "free_shipping", "fixed_price_item")
KINDS = ("code", "coupon")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


@dataclass(frozen=True)
class NewPromotion:
    """What HQ fills in; money in fen, the window as aware instants (None: open-ended)."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    benefit: str
    amount_off_fen: int | None = None
    percent_off: int | None = None
    product_sku: str | None = None
    fixed_price_fen: int | None = None
    min_spend_fen: int = 0
    per_customer_limit: int = 1
    total_cap: int | None = None
    first_order_only: bool = False
    unit_code: str | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


def _require(condition: bool, field: str, reason: str) -> None:
    """Refuse one field with its reason."""
    if not condition:
        raise InvalidInput(field=field, reason=reason)


async def _benefit_fields(uow: UnitOfWork, spec: NewPromotion) -> dict[str, object]:
    """The columns of the chosen benefit, each checked; the others stay empty."""
    if spec.benefit == "amount_off":
        fen = spec.amount_off_fen
        _require(fen is not None and fen > 0, "amount_off_fen", "an amount above 0")
        return {"amount_off_fen": fen}
    if spec.benefit == "percent_off":
        pct = spec.percent_off
        _require(pct is not None and 1 <= pct <= 90, "percent_off", "a whole percent 1–90")
        return {"percent_off": pct}
    if spec.benefit == "fixed_price_item":
        _require(bool(spec.product_sku), "product_sku", "the product's SKU")
        product = await product_by_sku(uow, str(spec.product_sku))
        fen = spec.fixed_price_fen
        _require(
            fen is not None and 0 < fen < product.price_fen,
            "fixed_price_fen",
            f"above 0 and below the product's price ({product.price_fen} fen)",
        )
        return {"product_id": product.id, "fixed_price_fen": fen}
    return {}


async def create_promotion(uow: UnitOfWork, spec: NewPromotion) -> Promotion:
    """A new active promo code or coupon; a refusal names the field and writes nothing."""
    code = normalise_code(spec.code)
    _require(bool(_CODE.fullmatch(code)), "code", "2–32 letters, digits, '-' or '_'")
    _require(spec.kind in KINDS, "kind", f"one of {', '.join(KINDS)}")
    _require(spec.benefit in BENEFITS, "benefit", f"one of {', '.join(BENEFITS)}")
    _require(bool(spec.name_zh.strip()) and len(spec.name_zh) <= 80, "name_zh", "1–80 chars")
    _require(bool(spec.name_en.strip()) and len(spec.name_en) <= 120, "name_en", "1–120 chars")
    _require(spec.min_spend_fen >= 0, "min_spend_fen", "0 or more")
    _require(spec.per_customer_limit >= 1, "per_customer_limit", "1 or more")
    _require(spec.total_cap is None or spec.total_cap >= 1, "total_cap", "1 or more, or none")
    if spec.valid_from is not None and spec.valid_until is not None:
        _require(spec.valid_from < spec.valid_until, "valid_until", "after the start")
    exists = await uow.session.scalar(select(Promotion.id).where(Promotion.code == code))
    _require(exists is None, "code", f"{code} exists already")
    unit_id = None
    if spec.unit_code:
        unit_id = await uow.session.scalar(select(Unit.id).where(Unit.code == spec.unit_code))
        if unit_id is None:
            raise NotFound(what="unit", key=spec.unit_code)
    promotion = Promotion(
        code=code,
        kind=spec.kind,
        name_zh=spec.name_zh.strip(),
        name_en=spec.name_en.strip(),
        benefit=spec.benefit,
        min_spend_fen=spec.min_spend_fen,
        per_customer_limit=spec.per_customer_limit,
        total_cap=spec.total_cap,
        first_order_only=spec.first_order_only,
        unit_id=unit_id,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        redeemed_count=0,
        active=True,
        **await _benefit_fields(uow, spec),
    )
    uow.session.add(promotion)
    await uow.session.flush()
    return promotion


async def set_active(uow: UnitOfWork, promotion_id: int, active: bool) -> Promotion:
    """Pause (False) or resume (True) a promotion; redemptions already made stay."""
    promotion = await uow.session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound(what="promotion", key=promotion_id)
    promotion.active = active
    await uow.session.flush()
    return promotion


@dataclass(frozen=True)
class PromotionUsage:
    """A promotion with its redemptions: counted against the cap, and customers who used it."""

    promotion: Promotion
    redeemed: int
    customers: int

    @property
    def left(self) -> int | None:
        """Redemptions still allowed by the total cap (None: no cap)."""
        cap = self.promotion.total_cap
        return None if cap is None else max(0, cap - self.redeemed)


async def promotions_with_usage(uow: UnitOfWork) -> list[PromotionUsage]:
    """Every promotion, newest first, with live (not revoked) redemptions."""
    promotions = list(await uow.session.scalars(select(Promotion).order_by(Promotion.id.desc())))
    rows = await uow.session.execute(
        select(
            Redemption.promotion_id,
            func.count(),
            func.count(func.distinct(Redemption.customer_id)),
        )
        .where(Redemption.revoked_at.is_(None))
        .group_by(Redemption.promotion_id)
    )
    used = {int(pid): (int(n), int(people)) for pid, n, people in rows.all()}
    return [
        PromotionUsage(p, redeemed=p.redeemed_count, customers=used.get(p.id, (0, 0))[1])
        for p in promotions
    ]
