"""Who is a partner: a per-process set answers customers without a query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from core.catalog.reference import STALE_AFTER
from core.models import Partner
from core.people.units import may_be_partner
from tests.factories import make_unit_with_partner


async def _may_be(db, telegram_id: int) -> bool:
    async with db.uow() as uow:
        return await may_be_partner(uow, telegram_id)


async def test_a_partner_given_a_telegram_account_in_this_process_is_recognised_at_once(db):
    setup = await make_unit_with_partner(db)
    assert not await _may_be(db, 777_001)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        partner.telegram_id = 777_001
        await uow.commit()
    assert await _may_be(db, 777_001)


async def test_a_partner_added_behind_the_orm_is_recognised_once_the_bound_has_passed(db, clock):
    setup = await make_unit_with_partner(db)
    assert not await _may_be(db, 777_002)
    async with db.uow() as uow:  # as another process (the CLI) would write it
        await uow.session.execute(
            update(Partner).where(Partner.id == setup.partner.id).values(telegram_id=777_002)
        )
        await uow.commit()
    clock.advance(STALE_AFTER - dt.timedelta(seconds=1))
    assert not await _may_be(db, 777_002)
    clock.advance(dt.timedelta(seconds=1))
    assert await _may_be(db, 777_002)


async def test_a_customer_is_never_taken_for_a_partner(db):
    setup = await make_unit_with_partner(db)
    assert await _may_be(db, setup.partner.telegram_id)
    assert not await _may_be(db, setup.partner.telegram_id + 1)
