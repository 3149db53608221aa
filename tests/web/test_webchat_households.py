"""Browsers are identities of households: one room typed two ways is one household, and
households created from one network address show on HQ's suspicious list."""

from __future__ import annotations

from sqlalchemy import select

from core.commissions.suspicious import ORIGIN, suspicious
from core.models import Customer, Household
from tests.web.test_webchat_journey import jinxiu_partner, onboard
from tests.web.webchat_support import Page, browser, demo_city, serving


async def test_two_browsers_in_one_room_share_a_household_and_the_address_is_remembered(db):
    await demo_city(db)
    partner = await jinxiu_partner(db)
    async with serving(db) as server:
        for room in ("1201", " 1201 ", "1202"):
            async with browser(server) as client:
                await onboard(Page(client), partner, room=room)

    async with db.uow() as uow:
        web = list(await uow.session.scalars(select(Customer).order_by(Customer.id)))
        households = list(await uow.session.scalars(select(Household).order_by(Household.id)))
        listed = await suspicious(uow, days=1)
    assert [c.room for c in web] == ["1201", "1201", "1202"]
    assert web[0].household_id == web[1].household_id != web[2].household_id
    assert [h.room for h in households] == ["1201", "1202"]
    assert {h.created_from for h in households} == {"127.0.0.1"}
    origin = [row for row in listed if row.reason == ORIGIN]
    assert sorted(row.household_id for row in origin) == [h.id for h in households]
    assert {(row.key, row.count) for row in origin} == {("127.0.0.1", 2)}
