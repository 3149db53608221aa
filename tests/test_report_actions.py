"""The report's actions: who gets them, once a week, and what the coupon allows."""

from __future__ import annotations

import datetime as dt

from core.models import Customer, Promotion
from core.partners.reports.actions import (
    MAX_RECIPIENTS,
    claim_action,
    make_coupon,
    recipients,
    sent_action,
    week_of,
)
from core.partners.reports.value import CustomerValue, Standing, ValueReport
from core.people.customers import customer_for_identity, set_opt_out
from tests.conftest import shanghai
from tests.factories import make_bound_customer, make_unit_with_partner

TODAY = dt.date(2026, 11, 23)


def _row(customer: Customer, standing: Standing, spend: int, orders: int = 1) -> CustomerValue:
    return CustomerValue(
        customer_id=customer.id,
        display_name=None,
        building_label="1栋",
        room=customer.room,
        standing=standing,
        orders=orders,
        spend_fen=spend,
        last_order_on=TODAY,
        crates_held=0,
        days_since_last=0,
    )


def _report(unit_id: int, rows: list[CustomerValue]) -> ValueReport:
    counts = {standing: 0 for standing in Standing}
    for row in rows:
        counts[row.standing] += 1
    return ValueReport(unit_id, TODAY, counts, dict(counts), {}, rows, [])


async def test_the_week_of_a_day_starts_on_its_monday():
    assert week_of(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)
    assert week_of(dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)


async def test_recipients_are_the_groups_most_valuable_at_most_fifty(db):
    setup = await make_unit_with_partner(db)
    people = [await make_bound_customer(db, setup, room=f"{100 + n}") for n in range(53)]
    rows = [_row(c, Standing.POTENTIAL, spend=1000 + n) for n, c in enumerate(people)]
    rows.append(_row(await make_bound_customer(db, setup), Standing.LOST, spend=99999))

    async with db.uow() as uow:
        chosen = await recipients(
            uow, setup.partner, _report(setup.unit.id, rows), Standing.POTENTIAL
        )

    assert len(chosen) == MAX_RECIPIENTS == 50
    assert [row.spend_fen for row in chosen] == sorted(
        (1000 + n for n in range(3, 53)), reverse=True
    )


async def test_recipients_leave_out_opted_out_customers_and_the_partners_own_account(db):
    setup = await make_unit_with_partner(db)
    keen = await make_bound_customer(db, setup, room="101")
    shy = await make_bound_customer(db, setup, room="102")
    async with db.uow() as uow:
        await set_opt_out(uow, await uow.session.get(Customer, shy.id), "deals", opted_out=True)
        own = await customer_for_identity(uow, "telegram", str(setup.partner.telegram_id))
        await uow.commit()
    rows = [_row(c, Standing.POTENTIAL, 1000) for c in (keen, shy, own)]

    async with db.uow() as uow:
        coupon_to = await recipients(
            uow, setup.partner, _report(setup.unit.id, rows), Standing.POTENTIAL
        )
        lost_rows = [_row(c, Standing.LOST, 1000) for c in (keen, shy)]
        visit_to = await recipients(
            uow, setup.partner, _report(setup.unit.id, lost_rows), Standing.LOST
        )

    assert [row.customer_id for row in coupon_to] == [keen.id]
    assert [row.customer_id for row in visit_to] == [keen.id, shy.id]  # "deals" is not "winback"


async def test_another_units_report_gives_no_recipients(db):
    setup = await make_unit_with_partner(db)
    other = await make_unit_with_partner(db, code="huating")
    stranger = await make_bound_customer(db, other)

    async with db.uow() as uow:
        chosen = await recipients(
            uow,
            setup.partner,
            _report(other.unit.id, [_row(stranger, Standing.POTENTIAL, 1)]),
            Standing.POTENTIAL,
        )

    assert chosen == []


async def test_an_action_is_claimed_once_per_group_and_week(db):
    setup = await make_unit_with_partner(db)
    monday = week_of(TODAY)
    async with db.uow() as uow:
        first = await claim_action(uow, setup.partner, Standing.POTENTIAL, monday, 3)
        again = await claim_action(uow, setup.partner, Standing.POTENTIAL, monday, 3)
        lost = await claim_action(uow, setup.partner, Standing.LOST, monday, 2)
        next_week = await claim_action(
            uow, setup.partner, Standing.POTENTIAL, monday + dt.timedelta(days=7), 3
        )
        await uow.commit()

    assert first is not None and again is None
    assert lost is not None and next_week is not None
    async with db.uow() as uow:
        found = await sent_action(uow, setup.partner, Standing.POTENTIAL, monday)
    assert found is not None and found.recipients == 3


async def test_the_coupon_is_the_units_own_capped_code_until_the_end_of_its_last_day(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        action = await claim_action(uow, setup.partner, Standing.POTENTIAL, week_of(TODAY), 7)
        coupon = await make_coupon(uow, setup.partner, action, 7)
        await uow.commit()

    async with db.uow() as uow:
        saved = await uow.session.get(Promotion, coupon.id)
    assert saved.code.startswith("HX") and len(saved.code) == 8
    assert not set(saved.code[2:]) & set("0O1IL")
    assert (saved.kind, saved.benefit, saved.amount_off_fen, saved.min_spend_fen) == (
        "code",
        "amount_off",
        500,
        3900,
    )
    assert (saved.unit_id, saved.total_cap, saved.per_customer_limit) == (setup.unit.id, 7, 1)
    # 14 days counting today (Mon 23 Nov): the last is Sun 6 Dec, to its last second
    assert saved.valid_until == shanghai(2026, 12, 6, 23, 59, 59)
    assert action.promotion_id == saved.id
