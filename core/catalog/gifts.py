"""Gift rules: buy the trigger product, get a low-value item free while gift stock lasts."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select

from core.catalog.search import product_by_sku
from core.errors import InvalidInput
from core.models import GiftRule, Product
from core.platform.uow import UnitOfWork
from core.pricing.types import GiftOffer, PricedProduct

# Built once: checkout runs this on every order, and building statements costs more than
# running them.
_OFFERS = (
    select(GiftRule, Product)
    .join(Product, GiftRule.gift_product_id == Product.id)
    .where(
        GiftRule.active.is_(True),
        GiftRule.trigger_product_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(GiftRule.id)
)


async def gift_offers_for(uow: UnitOfWork, product_ids: Collection[int]) -> list[GiftOffer]:
    """Active gift rules a cart with these products could trigger, for pure pricing to apply."""
    if not product_ids:
        return []
    rows = await uow.session.execute(_OFFERS, {"ids": sorted(set(product_ids))})
    return [
        GiftOffer(
            rule_id=rule.id,
            trigger_product_id=rule.trigger_product_id,
            min_quantity=rule.min_quantity,
            gift=PricedProduct(
                product_id=product.id,
                sku=product.sku,
                list_price_fen=product.price_fen,
                reference_price_fen=product.reference_price_fen,
            ),
            gift_quantity=rule.gift_quantity,
            stock_left=rule.gift_stock,
        )
        for rule, product in rows
    ]


def _positive(field: str, value: int, minimum: int) -> None:
    """Quantities are whole numbers; refuse anything below the minimum."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(field=field, reason=f"must be a whole number >= {minimum}")


async def add_gift_rule(  # noqa: PLR0917 - the signature other modules were promised
    uow: UnitOfWork,
    trigger_sku: str,
    min_quantity: int,
    gift_sku: str,
    gift_quantity: int,
    gift_stock: int,
) -> GiftRule:
    """HQ ties a free gift to a product (chicken feet → disposable gloves)."""
    _positive("min_quantity", min_quantity, 1)
    _positive("gift_quantity", gift_quantity, 1)
    _positive("gift_stock", gift_stock, 0)
    trigger = await product_by_sku(uow, trigger_sku)
    gift = await product_by_sku(uow, gift_sku)
    rule = GiftRule(
        trigger_product_id=trigger.id,
        min_quantity=min_quantity,
        gift_product_id=gift.id,
        gift_quantity=gift_quantity,
        gift_stock=gift_stock,
        active=True,
    )
    uow.session.add(rule)
    await uow.session.flush()
    return rule
