"""HQ's suspicious list in the console: why each household is listed, and rejecting its fee."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.delivery.doorstep import mark_paid
from core.models import CommissionEntry
from core.people.customers import set_address
from tests.factories import (
    deliver_order,
    in_uow,
    make_product,
    make_unit_with_partner,
    place,
    web_identity,
)
from tests.web.console_support import add_hq, console, csrf_of, sign_in


async def suspicious_city(db) -> int:
    """A browser that moved twice in a day, a phone on two doors, a ¥6 first order paid in
    cash (¥3 of cola and ¥3 shipping): returns the held fee's ledger entry id."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", price_fen=300, stock=100)
    hopper = await web_identity(db, setup, "1203")
    async with db.uow() as uow:
        await set_address(
            uow, await uow.session.merge(hopper), building_id=setup.building_ids[0], room="1204"
        )
        await uow.commit()
    await web_identity(db, setup, "501", phone="13812345678", building=1)
    await web_identity(db, setup, "502", phone="13812345678", building=1)
    small = await web_identity(db, setup, "701", building=2)
    order = (await place(db, small, [(cola, 1)])).order
    await deliver_order(db, order.id)
    await in_uow(db, mark_paid, setup.partner, order.id, "cash")
    async with db.uow() as uow:
        return await uow.session.scalar(
            select(CommissionEntry.id).where(CommissionEntry.kind == "new_customer_held")
        )


async def test_the_suspicious_page_says_why_each_household_is_listed_and_links_its_fee(db):
    await add_hq(db)
    held = await suspicious_city(db)
    async with console(db) as client:
        await sign_in(client)
        home = await (await client.get("/admin/")).text()
        html = await (await client.get("/admin/suspicious")).text()

    assert 'id="nav-suspicious"' in home and "可疑情况" in home
    assert "可疑住户与奖励" in html
    reasons = re.findall(r'data-reason="([a-z_]+)"', html)
    assert sorted(set(reasons)) == [
        "cash_only",
        "identity_households",
        "phone_households",
        "small_first_order",
    ]
    assert reasons.count("identity_households") == 2 and reasons.count("phone_households") == 2
    assert "手机号 138****5678 出现在 2 户" in html
    assert "首单仅 ¥6.00 就拿到了新顾客奖励" in html
    assert f'data-entry="{held}"' in html and "暂扣中" in html
    assert f'action="/admin/fees/{held}/reject"' in html


async def test_hq_rejects_a_held_fee_from_the_list_and_the_ledger_keeps_it(db):
    await add_hq(db)
    held = await suspicious_city(db)
    async with console(db) as client:
        await sign_in(client)
        token = await csrf_of(client, "/admin/suspicious")
        empty = await client.post(
            f"/admin/fees/{held}/reject", data={"csrf": token, "reason": " "}, allow_redirects=False
        )
        assert empty.status == 303
        refused = await (await client.get("/admin/suspicious")).text()
        response = await client.post(
            f"/admin/fees/{held}/reject",
            data={"csrf": token, "reason": "¥3 of cola, paid in cash", "days": "7"},
            allow_redirects=False,
        )
        assert response.status == 303
        assert response.headers["Location"] == "/admin/suspicious?days=7"
        after = await (await client.get("/admin/suspicious?days=7")).text()
        forged = await client.post(
            f"/admin/fees/{held}/reject", data={"reason": "no token"}, allow_redirects=False
        )

    assert 'id="error"' in refused and "reason" in refused
    assert f"费用 {held} 已驳回" in after and "已驳回" in after
    assert f'action="/admin/fees/{held}/reject"' not in after  # no longer held
    assert forged.status == 403
    async with db.uow() as uow:
        entries = list(
            await uow.session.scalars(select(CommissionEntry).order_by(CommissionEntry.id))
        )
    rejected = [e for e in entries if e.kind == "new_customer_rejected"]
    assert len(rejected) == 1 and rejected[0].reason == "¥3 of cola, paid in cash"
    assert any(e.id == held for e in entries)  # the held entry is still there
    assert sum(e.held_fen for e in entries) == 0
