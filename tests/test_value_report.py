"""The customer-value report: a seeded history puts each household in the group it should be in."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from core.models import CrateMovement, Customer, Order
from core.orders.status import Status
from core.partners.reports.value import Standing, Thresholds, classify, value_report
from core.platform.config import Settings
from tests.conftest import shanghai
from tests.factories import deliver_order, make_bound_customer, make_product, make_unit_with_partner
from tests.factories import place as checkout_place

AS_OF = dt.date(2026, 11, 23)  # the clock fixture's Monday
_numbers = itertools.count(1)

H, P, L, R, N = (
    Standing.HIGH_VALUE,
    Standing.POTENTIAL,
    Standing.LOST,
    Standing.REGULAR,
    Standing.NEW,
)


def ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


# ---- the rules on their own -------------------------------------------------------------

T = Thresholds()


def group(
    *,
    last: int | None,
    window: int = 1,
    spend: int = 1000,
    ever: int | None = None,
    crates: int = 0,
    issued: int | None = None,
) -> Standing:
    return classify(
        T,
        as_of=AS_OF,
        last_order_on=None if last is None else ago(last),
        orders_in_window=window,
        spend_in_window_fen=spend,
        orders_ever=window if ever is None else ever,
        crates_held=crates,
        last_crate_issue_on=None if issued is None else ago(issued),
    )


def test_a_customer_who_never_had_an_order_delivered_is_new():
    assert group(last=None, window=0, spend=0, ever=0) is N


def test_thirty_days_without_a_delivered_order_is_lost_and_twenty_nine_is_not():
    assert group(last=30, window=0, spend=0, ever=4) is L
    assert group(last=29, window=0, spend=0, ever=4) is R


def test_crates_out_and_fourteen_silent_days_is_lost_thirteen_is_not():
    assert group(last=14, ever=3, crates=2, issued=14) is L
    assert group(last=13, ever=3, crates=2, issued=13) is R
    assert group(last=14, ever=3, crates=0) is R  # no crates out: nothing to chase


def test_a_later_crate_issue_keeps_a_crate_holder_from_counting_as_silent():
    assert group(last=20, ever=3, crates=1, issued=5) is R


def test_six_orders_or_600_yuan_in_the_window_is_high_value_five_orders_or_599_99_is_not():
    assert group(last=1, window=6, spend=6000) is H
    assert group(last=1, window=5, spend=6000) is R
    assert group(last=1, window=1, spend=60000, ever=1) is H  # beats potential
    assert group(last=1, window=1, spend=59999, ever=1) is P


def test_a_lost_customer_is_lost_however_much_they_spent_before():
    assert group(last=30, window=12, spend=90000) is L


def test_potential_is_a_recent_order_and_at_most_two_ever():
    assert group(last=13, window=2) is P
    assert group(last=14, window=2) is R  # "within 14 days" means fewer than 14 days ago
    assert group(last=0, window=3) is R


def test_thresholds_come_from_the_linli_report_settings():
    settings = Settings(
        database_url="sqlite:///x.sqlite3",
        report_lost_days=45,
        report_silent_crate_days=21,
        report_high_value_days=60,
        report_high_value_min_orders=8,
        report_high_value_min_fen=80000,
        report_recent_days=7,
        report_potential_max_orders=1,
    )
    assert Thresholds.from_settings(settings) == Thresholds(45, 21, 60, 8, 80000, 7, 1)
    assert Thresholds.from_settings(Settings(database_url="sqlite:///x.sqlite3")) == Thresholds()


# ---- a seeded history -------------------------------------------------------------------


async def _order(
    db,
    customer: Customer,
    day: dt.date,
    fen: int = 5000,
    *,
    status: Status = Status.DELIVERED,
    unit_id: int | None = None,
) -> None:
    """An order delivered (or not) on ``day``, written directly: the report only reads them."""
    async with db.uow() as uow:
        placed = dt.datetime.combine(day, dt.time(10), shanghai(2026, 1, 1).tzinfo)
        uow.session.add(
            Order(
                order_no=f"T{next(_numbers):08d}",
                customer_id=customer.id,
                unit_id=unit_id or customer.unit_id,
                idempotency_key=uuid.uuid4().hex,
                status=status,
                delivery_date=day,
                window_start=dt.time(18),
                window_end=dt.time(21),
                goods_fen=fen,
                shipping_fen=0,
                total_fen=fen,
                reference_fen=fen,
                saving_fen=0,
                placed_at=placed,
                delivered_at=placed + dt.timedelta(hours=9)
                if status in (Status.DELIVERED, Status.REFUNDED)
                else None,
            )
        )
        await uow.commit()


async def _crates(db, customer: Customer, day: dt.date, quantity: int) -> None:
    """Crates issued (+) or collected (−) at 20:00 on ``day``."""
    async with db.uow() as uow:
        uow.session.add(
            CrateMovement(
                customer_id=customer.id,
                unit_id=customer.unit_id,
                kind="issued" if quantity > 0 else "collected",
                quantity=quantity,
                created_at=dt.datetime.combine(day, dt.time(20), shanghai(2026, 1, 1).tzinfo),
            )
        )
        await uow.commit()


async def _named(db, setup, name: str, room: str) -> Customer:
    customer = await make_bound_customer(db, setup, room=room)
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        assert row is not None
        row.display_name = name
        await uow.commit()
    return customer


@pytest.fixture
async def history(db, clock):
    """Twelve households of unit jinxiu (bound in June) and one of unit huating.

    Expected today (2026-11-23) and a week earlier (2026-11-16), rule by rule:
    """
    clock.set(shanghai(2026, 6, 1, 10))
    setup = await make_unit_with_partner(db)
    other = await make_unit_with_partner(db, code="huating")
    who: dict[str, Customer] = {}
    for n, name in enumerate("ABCDEFGHIJKL"):
        who[name] = await _named(db, setup, name, room=f"{101 + n}")
    stranger = await make_bound_customer(db, other, room="101")
    clock.set(shanghai(2026, 11, 23, 10))

    # A: never ordered → new (new last week too)
    # B: one order exactly 30 days ago → lost (23 days then: regular)
    await _order(db, who["B"], ago(30), 3000)
    # C: 29 days ago → regular
    await _order(db, who["C"], ago(29))
    # D: one order 14 days ago, its 2 crates still out → lost (7 days then: potential)
    await _order(db, who["D"], ago(14), 7000)
    await _crates(db, who["D"], ago(14), 2)
    # E: three orders, last 13 days ago, crates out → regular
    for days in (50, 40, 13):
        await _order(db, who["E"], ago(days))
    await _crates(db, who["E"], ago(40), 1)
    await _crates(db, who["E"], ago(13), -1)
    await _crates(db, who["E"], ago(13), 2)
    # F: six orders, the oldest 89 days ago → high value (5 by last week: regular)
    for days in (89, 70, 50, 30, 10, 1):
        await _order(db, who["F"], ago(days))
    # G: six orders, the oldest exactly 90 days ago, out of the window → regular
    for days in (90, 70, 50, 30, 10, 1):
        await _order(db, who["G"], ago(days), 1000)
    # H: one order of 600 yuan 5 days ago → high value (new last week)
    await _order(db, who["H"], ago(5), 60000)
    # I: two orders, the last 13 days ago → potential
    await _order(db, who["I"], ago(20), 2000)
    await _order(db, who["I"], ago(13), 2000)
    # J: three orders, the last 13 days ago → regular
    for days in (25, 20, 13):
        await _order(db, who["J"], ago(days))
    # K: delivered 40 days ago; a refunded and a cancelled order since → lost
    await _order(db, who["K"], ago(40), 5000)
    await _order(db, who["K"], ago(2), 8000, status=Status.REFUNDED)
    await _order(db, who["K"], ago(1), 8000, status=Status.CANCELLED)
    # L: 35 days ago here, 2 days ago in another unit → lost (28 days then: regular)
    await _order(db, who["L"], ago(35), 9000)
    await _order(db, who["L"], ago(2), 9000, unit_id=other.unit.id)
    # the other unit's own customer orders every week
    for days in (16, 9, 2):
        await _order(db, stranger, ago(days))
    return setup, who


async def _report(db, unit_id: int, **kwargs):
    async with db.uow() as uow:
        return await value_report(uow, unit_id, **kwargs)


async def test_each_seeded_customer_lands_in_the_group_its_history_says(db, history):
    setup, _who = history

    report = await _report(db, setup.unit.id)

    by_name = {row.display_name: row.standing for row in report.customers}
    assert by_name == {
        "A": N,
        "B": L,
        "C": R,
        "D": L,
        "E": R,
        "F": H,
        "G": R,
        "H": H,
        "I": P,
        "J": R,
        "K": L,
        "L": L,
    }
    assert report.as_of == AS_OF
    assert report.counts == {H: 2, P: 1, L: 4, R: 4, N: 1}


async def test_last_weeks_counts_and_the_change_since_then(db, history):
    setup, _who = history

    report = await _report(db, setup.unit.id)

    assert report.previous == {H: 0, P: 2, L: 1, R: 7, N: 2}
    assert {s: report.change(s) for s in Standing} == {H: 2, P: -1, L: 3, R: -3, N: -1}


async def test_top_lists_put_the_biggest_spenders_first_and_stop_at_top_n(db, history):
    setup, _who = history

    report = await _report(db, setup.unit.id, top_n=3)

    assert [row.display_name for row in report.top[L]] == ["L", "D", "K"]
    assert [row.display_name for row in report.top[H]] == ["H", "F"]
    # E and J tie (3 orders, 150 yuan): the earlier customer first; then G (60), not C (50)
    assert [row.display_name for row in report.top[R]] == ["E", "J", "G"]
    assert report.top[N][0].display_name == "A" and report.top[N][0].last_order_on is None


async def test_cancelled_refunded_and_other_units_orders_are_not_counted(db, history):
    setup, _who = history

    rows = {row.display_name: row for row in (await _report(db, setup.unit.id)).customers}

    assert (rows["K"].orders, rows["K"].spend_fen) == (1, 5000)
    assert rows["K"].last_order_on == ago(40) and rows["K"].days_since_last == 40
    assert (rows["L"].orders, rows["L"].spend_fen, rows["L"].days_since_last) == (1, 9000, 35)
    assert rows["D"].crates_held == 2 and rows["E"].crates_held == 2
    assert len(rows) == 12  # the other unit's customer is not on the report


async def test_weekly_points_count_the_units_delivered_orders_and_groups_at_each_weeks_end(
    db, history
):
    setup, _who = history

    report = await _report(db, setup.unit.id, weeks=3)

    assert [week.week_start for week in report.weeks] == [ago(14), ago(7), AS_OF]
    # 11-09..15: D, E, I, J, F, G; 11-16..22: H, F, G (K's refund, L's other unit left out)
    assert [week.orders for week in report.weeks] == [6, 3, 0]
    assert report.weeks[-1].per_group == report.counts
    assert sum(report.weeks[0].per_group.values()) == 12  # all bound in June


async def test_a_report_on_an_earlier_day_leaves_out_what_came_after(db, history):
    setup, _who = history

    report = await _report(db, setup.unit.id, as_of=ago(7))

    assert report.counts == {H: 0, P: 2, L: 1, R: 7, N: 2}
    rows = {row.display_name: row for row in report.customers}
    assert rows["F"].orders == 5 and rows["H"].orders == 0


async def test_an_empty_unit_gives_an_empty_report_not_an_error(db):
    setup = await make_unit_with_partner(db)

    report = await _report(db, setup.unit.id)

    assert report.counts == dict.fromkeys(Standing, 0)
    assert report.previous == dict.fromkeys(Standing, 0)
    assert all(report.change(s) == 0 for s in Standing)
    assert report.top == {s: [] for s in Standing} and report.customers == []
    assert len(report.weeks) == 12 and all(week.orders == 0 for week in report.weeks)
    assert report.weeks[-1].week_start == AS_OF  # a Monday


async def test_a_customer_bound_after_the_day_is_not_counted_that_day(db, clock):
    setup = await make_unit_with_partner(db)
    await make_bound_customer(db, setup)  # bound today

    report = await _report(db, setup.unit.id)

    assert report.counts[N] == 1 and report.previous[N] == 0


async def test_orders_delivered_through_the_real_lifecycle_count_with_their_crates(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA", price_fen=1000, stock=100)
    placed = await checkout_place(db, customer, [(cola, 2)])
    assert await deliver_order(db, placed.order.id, crates=1)

    async with db.uow() as uow:
        report = await value_report(uow, setup.unit.id, as_of=placed.order.delivery_date)

    (row,) = report.customers
    assert row.standing is P and row.orders == 1 and row.crates_held == 1
    assert row.spend_fen == placed.order.total_fen


@pytest.fixture
async def crate_holders(db, clock):
    """Four households whose crates decide their group on some days and not on others.

    Today is 2026-11-23, a week earlier 2026-11-16 (``ago(7)``):
    """
    clock.set(shanghai(2026, 6, 1, 10))
    setup = await make_unit_with_partner(db)
    who = {name: await _named(db, setup, name, room=f"{201 + n}") for n, name in enumerate("MNOP")}
    clock.set(shanghai(2026, 11, 23, 10))
    # M: ordered 25 days ago, its 2 crates collected 3 days ago → regular today; a week
    # ago 18 silent days with the crates out → lost
    await _order(db, who["M"], ago(25))
    await _crates(db, who["M"], ago(25), 2)
    await _crates(db, who["M"], ago(3), -2)
    # N: ordered 20 days ago, another crate brought 5 days ago → regular today (the issue
    # counts as activity); a week ago 13 days since the order → potential
    await _order(db, who["N"], ago(20))
    await _crates(db, who["N"], ago(20), 1)
    await _crates(db, who["N"], ago(5), 1)
    # O: ordered 21 days ago, a crate issued 20 days ago → lost today (20 silent days);
    # a week ago 14 days since the order but only 13 since the issue → regular
    await _order(db, who["O"], ago(21))
    await _order(db, who["O"], ago(60))
    await _order(db, who["O"], ago(70))
    await _crates(db, who["O"], ago(21), 1)
    await _crates(db, who["O"], ago(20), 1)
    # P: ordered 21 days ago with a crate, nothing since → lost today and a week ago
    # (exactly 14 silent days then)
    await _order(db, who["P"], ago(21))
    await _order(db, who["P"], ago(60))
    await _order(db, who["P"], ago(70))
    await _crates(db, who["P"], ago(21), 1)
    return setup


async def test_the_crate_rule_on_last_weeks_day_counts_the_crates_held_and_issued_by_then(
    db, crate_holders
):
    report = await _report(db, crate_holders.unit.id, weeks=2)

    rows = {row.display_name: row for row in report.customers}
    assert {name: row.standing for name, row in rows.items()} == {"M": R, "N": R, "O": L, "P": L}
    assert {name: row.crates_held for name, row in rows.items()} == {"M": 0, "N": 2, "O": 2, "P": 1}
    assert report.counts == {H: 0, P: 0, L: 2, R: 2, N: 0}
    # a week ago: M lost (crates out), N potential, O regular (issued 13 days before), P lost
    assert report.previous == {H: 0, P: 1, L: 2, R: 1, N: 0}
    assert report.weeks[0].per_group == {H: 0, P: 0, L: 2, R: 2, N: 0}  # Sunday 11-22


async def test_a_report_on_an_earlier_day_uses_the_crates_held_that_day(db, crate_holders):
    report = await _report(db, crate_holders.unit.id, as_of=ago(7))

    rows = {row.display_name: row for row in report.customers}
    assert {name: row.standing for name, row in rows.items()} == {"M": L, "N": P, "O": R, "P": L}
    assert {name: row.crates_held for name, row in rows.items()} == {"M": 2, "N": 1, "O": 2, "P": 1}
