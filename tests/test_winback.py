"""Overdue crates get a partner's pickup visit and a "why did you stop?" question, once."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from core.delivery.batches import run_sheet
from core.delivery.crates import collect, schedule_pickup
from core.errors import CrateError, InvalidInput, NotFound
from core.models import CratePickup, WinbackQuestion
from core.partners.winback import (
    MAX_COMMENT,
    answers_for_unit,
    clean_comment,
    crates_out,
    mark_asked,
    overdue_page,
    question_for,
    record_answer,
    record_comment,
    schedule_visit,
)
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)

MONDAY = dt.date(2026, 11, 23)
TWO_WEEKS_LATER = dt.date(2026, 12, 7)  # a Monday too


async def _run(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


async def _read(db, action, *args, **kwargs):
    async with db.uow() as uow:
        return await action(uow, *args, **kwargs)


async def _count(db, model) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def _delivered(db, clock, customer, product, *, on=MONDAY, crates=2):
    """Ordered in the morning of ``on`` and delivered at 19:00 with ``crates`` crates."""
    clock.set(shanghai(on.year, on.month, on.day, 10))
    order = (await place(db, customer, [(product, 1)])).order
    clock.set(shanghai(on.year, on.month, on.day, 19))
    await deliver_order(db, order.id, crates=crates)
    return order


@pytest.fixture
async def overdue_shop(db, clock):
    """Two weeks after a delivery of two crates, Monday 10:00: the household is overdue."""
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, building=1, room="301")
    cola = await make_product(db, "COLA", stock=500)
    await _delivered(db, clock, customer, cola)
    clock.set(shanghai(2026, 12, 7, 10))
    return setup, customer, cola


async def test_crates_out_counts_crates_and_the_households_holding_them(db, clock, overdue_shop):
    setup, _, cola = overdue_shop
    other = await make_bound_customer(db, setup, room="502")
    returned = await make_bound_customer(db, setup, room="503")
    await _delivered(db, clock, other, cola, on=dt.date(2026, 12, 1), crates=3)
    await _delivered(db, clock, returned, cola, on=dt.date(2026, 12, 1), crates=1)
    await _run(db, collect, customer_id=returned.id, quantity=1)

    out = await _read(db, crates_out, setup.unit.id)

    assert (out.crates, out.households) == (5, 2)


async def test_an_empty_unit_has_no_crates_out_and_no_overdue_page_rows(db):
    setup = await make_unit_with_partner(db)

    out = await _read(db, crates_out, setup.unit.id)
    page = await _read(db, overdue_page, setup.unit.id, page=3)

    assert (out.crates, out.households) == (0, 0)
    assert (page.rows, page.page, page.pages, page.total) == ((), 0, 1, 0)


async def test_scheduling_books_tonight_before_the_cutoff_for_the_partner_and_asks_once(
    db, overdue_shop
):
    setup, customer, _ = overdue_shop

    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    assert visit.created and visit.day == TWO_WEEKS_LATER
    async with db.uow() as uow:
        pickup = await uow.session.get(CratePickup, visit.pickup_id)
        question = await uow.session.get(WinbackQuestion, visit.question_id)
    assert (pickup.requested_by, pickup.pickup_date, pickup.status) == (
        "partner",
        TWO_WEEKS_LATER,
        "scheduled",
    )
    assert (question.customer_id, question.partner_id, question.unit_id) == (
        customer.id,
        setup.partner.id,
        setup.unit.id,
    )
    assert question.visit_date == TWO_WEEKS_LATER and question.pickup_id == pickup.id
    assert question.asked_at is None and question.answered_at is None


async def test_after_the_cutoff_the_visit_is_tomorrow_evening(db, clock, overdue_shop):
    setup, customer, _ = overdue_shop
    clock.set(shanghai(2026, 12, 7, 16, 30))

    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    assert visit.day == dt.date(2026, 12, 8)


async def test_the_booked_visit_is_a_stop_on_that_evenings_run_sheet(db, overdue_shop):
    setup, customer, _ = overdue_shop
    await _run(db, schedule_visit, setup.partner, customer.id)

    sheet = await _read(db, run_sheet, setup.unit.id, TWO_WEEKS_LATER)

    (stop,) = sheet.stops
    assert (stop.kind, stop.customer_id, stop.crates_to_collect) == ("pickup", customer.id, 2)
    assert stop.pickup_booked and (stop.building_label, stop.room) == ("2栋", "301")


async def test_tapping_twice_books_one_pickup_and_one_question(db, overdue_shop):
    setup, customer, _ = overdue_shop

    first = await _run(db, schedule_visit, setup.partner, customer.id)
    second = await _run(db, schedule_visit, setup.partner, customer.id)

    assert first.created and not second.created
    assert (second.pickup_id, second.question_id) == (first.pickup_id, first.question_id)
    assert await _count(db, CratePickup) == 1 and await _count(db, WinbackQuestion) == 1


async def test_a_pickup_the_customer_booked_already_is_the_visit(db, clock, overdue_shop):
    setup, customer, _ = overdue_shop
    wednesday = dt.date(2026, 12, 9)
    await _run(db, schedule_pickup, customer_id=customer.id, day=wednesday)

    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    assert visit.day == wednesday and await _count(db, CratePickup) == 1


async def test_the_overdue_page_shows_the_booked_evening(db, overdue_shop):
    setup, customer, _ = overdue_shop
    before = await _read(db, overdue_page, setup.unit.id, page=0)
    await _run(db, schedule_visit, setup.partner, customer.id)
    after = await _read(db, overdue_page, setup.unit.id, page=0)

    (row,) = before.rows
    assert (row.customer_id, row.crates, row.days_out, row.booked_on) == (customer.id, 2, 14, None)
    assert (row.building_label, row.room) == ("2栋", "301")
    assert after.rows[0].booked_on == TWO_WEEKS_LATER


async def test_the_overdue_page_pages_longest_out_first(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", stock=500)
    people = [await make_bound_customer(db, setup, room=f"{101 + n}") for n in range(7)]
    for n, person in enumerate(people):
        await _delivered(db, clock, person, cola, on=dt.date(2026, 11, 10 + n), crates=1)
    clock.set(shanghai(2026, 12, 10, 10))

    first = await _read(db, overdue_page, setup.unit.id, page=0, per_page=6)
    last = await _read(db, overdue_page, setup.unit.id, page=9, per_page=6)

    assert [row.customer_id for row in first.rows] == [p.id for p in people[:6]]
    assert (first.pages, first.total) == (2, 7)
    assert (last.page, [row.customer_id for row in last.rows]) == (1, [people[6].id])


async def test_a_partner_of_another_unit_cannot_book_this_units_customer(db, overdue_shop):
    _, customer, _ = overdue_shop
    other = await make_unit_with_partner(db, "yuyuan")

    with pytest.raises(NotFound):
        await _run(db, schedule_visit, other.partner, customer.id)
    with pytest.raises(NotFound):
        await _run(db, question_for, other.partner, customer.id, TWO_WEEKS_LATER)
    assert await _count(db, CratePickup) == 0 and await _count(db, WinbackQuestion) == 0


async def test_a_household_without_crates_cannot_get_a_pickup_visit(db, clock, overdue_shop):
    setup, customer, _ = overdue_shop
    await _run(db, collect, customer_id=customer.id, quantity=2)

    with pytest.raises(CrateError):
        await _run(db, schedule_visit, setup.partner, customer.id)
    assert await _count(db, WinbackQuestion) == 0


async def test_question_for_a_planned_visit_is_one_per_evening_and_finds_its_pickup(
    db, overdue_shop
):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    same, created = await _run(db, question_for, setup.partner, customer.id, TWO_WEEKS_LATER)
    later, later_created = await _run(
        db, question_for, setup.partner, customer.id, dt.date(2026, 12, 12)
    )

    assert (same.id, created) == (visit.question_id, False)
    assert later_created and later.pickup_id is None and later.id != visit.question_id


async def test_the_first_answer_is_kept(db, overdue_shop):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    first = await _run(
        db, record_answer, customer_id=customer.id, question_id=visit.question_id, reason="prices"
    )
    again = await _run(
        db, record_answer, customer_id=customer.id, question_id=visit.question_id, reason="quality"
    )

    assert first.first and not again.first
    assert again.question.reason == "prices" and again.question.answered_at is not None


async def test_an_unknown_reason_and_another_customers_question_are_refused(db, overdue_shop):
    setup, customer, _ = overdue_shop
    stranger = await make_bound_customer(db, setup, room="909")
    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    with pytest.raises(InvalidInput):
        await _run(
            db, record_answer, customer_id=customer.id, question_id=visit.question_id, reason="x"
        )
    with pytest.raises(NotFound):
        await _run(
            db,
            record_answer,
            customer_id=stranger.id,
            question_id=visit.question_id,
            reason="other",
        )
    with pytest.raises(NotFound):
        await _run(db, record_answer, customer_id=customer.id, question_id=99999, reason="other")
    async with db.uow() as uow:
        question = await uow.session.get(WinbackQuestion, visit.question_id)
    assert question.reason is None


async def test_an_other_answer_takes_one_line_once(db, overdue_shop):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)
    ids = {"customer_id": customer.id, "question_id": visit.question_id}
    await _run(db, record_answer, **ids, reason="other")

    assert await _run(db, record_comment, **ids, text="  We eat at the canteen\nnow  ") is True
    assert await _run(db, record_comment, **ids, text="something else") is False
    async with db.uow() as uow:
        question = await uow.session.get(WinbackQuestion, visit.question_id)
    assert question.comment == "We eat at the canteen now"


async def test_a_comment_needs_an_other_answer_and_sensible_length(db, overdue_shop):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)
    ids = {"customer_id": customer.id, "question_id": visit.question_id}
    await _run(db, record_answer, **ids, reason="prices")

    with pytest.raises(InvalidInput):
        await _run(db, record_comment, **ids, text="cheaper at the market")
    for bad in ("", "   \n ", "字" * (MAX_COMMENT + 1)):
        with pytest.raises(InvalidInput):
            clean_comment(bad)
    assert clean_comment("字" * MAX_COMMENT) == "字" * MAX_COMMENT


async def test_answers_for_the_unit_list_what_households_said_newest_first(db, clock, overdue_shop):
    setup, customer, cola = overdue_shop
    other = await make_bound_customer(db, setup, building=2, room="808")
    await _delivered(db, clock, other, cola, on=dt.date(2026, 11, 20))
    clock.set(shanghai(2026, 12, 7, 10))
    mine = await _run(db, schedule_visit, setup.partner, customer.id)
    theirs = await _run(db, schedule_visit, setup.partner, other.id)
    await _run(
        db, record_answer, customer_id=customer.id, question_id=mine.question_id, reason="prices"
    )
    clock.set(shanghai(2026, 12, 7, 11))
    await _run(
        db, record_answer, customer_id=other.id, question_id=theirs.question_id, reason="quality"
    )

    said = await _read(db, answers_for_unit, setup.unit.id, since=TWO_WEEKS_LATER)

    assert [(a.room, a.reason) for a in said] == [("808", "quality"), ("301", "prices")]
    assert await _read(db, answers_for_unit, setup.unit.id, since=dt.date(2026, 12, 8)) == []


async def test_marking_asked_keeps_the_first_time(db, clock, overdue_shop):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)
    async with db.uow() as uow:
        question = await uow.session.get(WinbackQuestion, visit.question_id)
        await mark_asked(uow, question)
        first = question.asked_at
        clock.set(shanghai(2026, 12, 7, 12))
        await mark_asked(uow, question)
        await uow.commit()
    assert question.asked_at == first


@pytest.mark.postgres
async def test_two_processes_scheduling_at_once_book_one_pickup_and_one_question(db, overdue_shop):
    setup, customer, _ = overdue_shop

    async def tap():
        async with db.uow() as uow:
            visit = await schedule_visit(uow, setup.partner, customer.id)
            await asyncio.sleep(0.05)  # hold the transaction open so the taps overlap
            await uow.commit()
        return visit

    visits = await asyncio.gather(*(tap() for _ in range(5)))

    assert sorted(v.created for v in visits) == [False] * 4 + [True]
    assert len({(v.pickup_id, v.question_id) for v in visits}) == 1
    assert await _count(db, CratePickup) == 1 and await _count(db, WinbackQuestion) == 1


@pytest.mark.postgres
async def test_two_answers_at_once_keep_exactly_one(db, overdue_shop):
    setup, customer, _ = overdue_shop
    visit = await _run(db, schedule_visit, setup.partner, customer.id)

    async def answer(reason: str):
        async with db.uow() as uow:
            result = await record_answer(
                uow, customer_id=customer.id, question_id=visit.question_id, reason=reason
            )
            await asyncio.sleep(0.05)
            await uow.commit()
        return result.first

    firsts = await asyncio.gather(*(answer(r) for r in ("prices", "quality", "other")))

    assert sorted(firsts) == [False, False, True]
