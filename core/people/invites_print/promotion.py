"""The promotion a leaflet advertises: the next one a customer of the unit can still use."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from core.models import Promotion
from core.platform.uow import UnitOfWork


async def next_promotion(uow: UnitOfWork, unit_id: int, now: dt.datetime) -> Promotion | None:
    """An active promotion for this unit (or all units) not yet over, soonest first.

    Running ones come before upcoming ones (a leaflet is read today); a promotion whose
    cap is reached is left out, since nobody reading the leaflet could use it.
    """
    rows = await uow.session.scalars(
        select(Promotion)
        .where(
            Promotion.active.is_(True),
            or_(Promotion.unit_id.is_(None), Promotion.unit_id == unit_id),
            or_(Promotion.valid_until.is_(None), Promotion.valid_until > now),
            or_(Promotion.total_cap.is_(None), Promotion.redeemed_count < Promotion.total_cap),
        )
        .order_by(Promotion.id)
    )
    promotions = list(rows)
    running = [p for p in promotions if p.valid_from is None or p.valid_from <= now]
    if running:
        return running[0]
    upcoming = sorted(promotions, key=lambda p: (p.valid_from or now, p.id))
    return upcoming[0] if upcoming else None
