"""Win-back: visit the households whose crates are overdue, and ask why they stopped ordering.

A partner's "schedule pickup visit" is one transaction: a pickup on the unit's next
delivery evening (``requested_by="partner"``, so it shows on that evening's run sheet)
and a question record for that (customer, evening). Both are idempotent: the customer
row is locked first (so two taps, or two processes, take turns and the second finds the
first's booking), and the unique (customer, visit date) key catches anything that slips
past. Only the partner's own unit exists for them: another unit's customer is NotFound.
The customer's answer is written once; a later tap keeps the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.delivery.crates import SCHEDULED, open_pickups, overdue, schedule_pickup
from core.delivery.doorstep import own_customer
from core.errors import InvalidInput, NotFound
from core.models import Building, CrateMovement, CratePickup, Customer, Partner, Unit
from core.models.winback import REASONS, WinbackQuestion
from core.orders.delivery_date import delivery_slot
from core.platform.clock import local_now
from core.platform.uow import UnitOfWork

__all__ = [
    "MAX_COMMENT",
    "REASONS",
    "Answer",
    "CratesOut",
    "OverduePage",
    "OverdueRow",
    "Visit",
    "WinbackAnswer",
    "answers_for_unit",
    "clean_comment",
    "crates_out",
    "mark_asked",
    "next_visit_day",
    "overdue_page",
    "question_for",
    "record_answer",
    "record_comment",
    "schedule_visit",
]

MAX_COMMENT = 300  # "one line": enough for a reason, short enough to read on the stairs


@dataclass(frozen=True)
class CratesOut:
    """Crates a unit's households hold right now, and how many households hold them."""

    crates: int
    households: int


@dataclass(frozen=True)
class OverdueRow:
    """An overdue household on the Crates screen; ``booked_on`` is its next pickup, if any."""

    customer_id: int
    display_name: str | None
    building_label: str | None
    room: str | None
    crates: int
    days_out: int
    booked_on: dt.date | None


@dataclass(frozen=True)
class OverduePage:
    """A page of overdue households; ``page`` is the one shown (clamped to the last)."""

    rows: tuple[OverdueRow, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Visit:
    """A booked pickup visit and its question; ``created`` is False for a repeated tap."""

    customer_id: int
    day: dt.date
    pickup_id: int
    question_id: int
    created: bool


@dataclass(frozen=True)
class Answer:
    """The question after an answer; ``first`` is False when an earlier answer was kept."""

    question: WinbackQuestion
    first: bool


@dataclass(frozen=True)
class WinbackAnswer:
    """Why a household stopped ordering, as the partner and HQ read it."""

    customer_id: int
    building_label: str | None
    room: str | None
    visit_date: dt.date
    reason: str
    comment: str | None
    answered_at: dt.datetime


async def crates_out(uow: UnitOfWork, unit_id: int) -> CratesOut:
    """Crates out in the unit and the households holding them, from the movement ledger."""
    held = (
        select(CrateMovement.customer_id, func.sum(CrateMovement.quantity).label("held"))
        .where(CrateMovement.unit_id == unit_id)
        .group_by(CrateMovement.customer_id)
        .having(func.sum(CrateMovement.quantity) > 0)
        .subquery()
    )
    households, crates = (
        await uow.session.execute(select(func.count(), func.coalesce(func.sum(held.c.held), 0)))
    ).one()
    return CratesOut(crates=int(crates or 0), households=int(households or 0))


async def _next_pickups(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, dt.date]:
    """Each customer's soonest pickup still to come."""
    if not customer_ids:
        return {}
    today = local_now(uow.clock, uow.settings.tz).date()
    rows = await uow.session.execute(
        select(CratePickup.customer_id, func.min(CratePickup.pickup_date))
        .where(
            CratePickup.customer_id.in_(customer_ids),
            CratePickup.status == SCHEDULED,
            CratePickup.pickup_date >= today,
        )
        .group_by(CratePickup.customer_id)
    )
    return {customer_id: _as_date(day) for customer_id, day in rows}


def _as_date(value: dt.date | str) -> dt.date:
    """Aggregates of a Date column come back as text on SQLite."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


async def overdue_page(
    uow: UnitOfWork, unit_id: int, *, page: int, per_page: int = 6, today: dt.date | None = None
) -> OverduePage:
    """Overdue households (longest out first) a page at a time, with any booked pickup."""
    per_page = max(1, per_page)
    found = await overdue(uow, unit_id, today=today)
    pages = max(1, -(-len(found) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = found[page * per_page : (page + 1) * per_page]
    ids = [entry.customer_id for entry in shown]
    names: dict[int, str | None] = {}
    if ids:
        rows = await uow.session.execute(
            select(Customer.id, Customer.display_name).where(Customer.id.in_(ids))
        )
        names = {customer_id: name for customer_id, name in rows}
    booked = await _next_pickups(uow, ids)
    rows = tuple(
        OverdueRow(
            customer_id=entry.customer_id,
            display_name=names.get(entry.customer_id),
            building_label=entry.building_label,
            room=entry.room,
            crates=entry.crates,
            days_out=entry.days_out,
            booked_on=booked.get(entry.customer_id),
        )
        for entry in shown
    )
    return OverduePage(rows=rows, page=page, pages=pages, total=len(found))


def next_visit_day(uow: UnitOfWork, unit: Unit) -> dt.date:
    """The next delivery evening whose run sheet is still open: tonight before the cutoff."""
    slot = delivery_slot(
        uow.clock.now(),
        uow.settings.tz,
        cutoff=unit.cutoff,
        window_start=unit.window_start,
        window_end=unit.window_end,
    )
    return slot.date


async def _question(
    uow: UnitOfWork, partner: Partner, customer: Customer, day: dt.date, pickup_id: int | None
) -> tuple[WinbackQuestion, bool]:
    """The question for (customer, evening), created once; True when this call created it."""
    where = (WinbackQuestion.customer_id == customer.id, WinbackQuestion.visit_date == day)
    existing = await uow.session.scalar(select(WinbackQuestion).where(*where))
    if existing is not None:
        if existing.pickup_id is None and pickup_id is not None:
            existing.pickup_id = pickup_id
            await uow.session.flush()
        return existing, False
    question = WinbackQuestion(
        customer_id=customer.id,
        unit_id=partner.unit_id,
        partner_id=partner.id,
        pickup_id=pickup_id,
        visit_date=day,
        created_at=uow.clock.now(),
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(question)
    except IntegrityError:  # another process created it between the look and the insert
        existing = await uow.session.scalar(select(WinbackQuestion).where(*where))
        if existing is None:
            raise
        return existing, False
    return question, True


async def schedule_visit(uow: UnitOfWork, partner: Partner, customer_id: int) -> Visit:
    """Book the partner's pickup visit and its question; a repeat returns the same visit.

    A household with a pickup already to come (booked by them or by an earlier tap) keeps
    that evening. Refusals: another unit's customer → NotFound; no crates → CrateError.
    """
    customer = await own_customer(uow, partner, customer_id)  # locked: taps take turns
    booked = await open_pickups(uow, customer.id)
    if booked:
        pickup = booked[0]
    else:
        unit = await uow.session.get(Unit, partner.unit_id)
        if unit is None:  # unreachable: a partner's unit is never deleted
            raise NotFound(what="unit", key=partner.unit_id)
        pickup = await schedule_pickup(
            uow, customer_id=customer.id, day=next_visit_day(uow, unit), requested_by="partner"
        )
    question, created = await _question(uow, partner, customer, pickup.pickup_date, pickup.id)
    return Visit(
        customer_id=customer.id,
        day=pickup.pickup_date,
        pickup_id=pickup.id,
        question_id=question.id,
        created=created,
    )


async def question_for(
    uow: UnitOfWork, partner: Partner, customer_id: int, visit_date: dt.date
) -> tuple[WinbackQuestion, bool]:
    """The question for a visit the partner planned (with or without a pickup booking)."""
    customer = await own_customer(uow, partner, customer_id)
    pickup_id = await uow.session.scalar(
        select(CratePickup.id).where(
            CratePickup.customer_id == customer.id,
            CratePickup.pickup_date == visit_date,
            CratePickup.status == SCHEDULED,
        )
    )
    return await _question(uow, partner, customer, visit_date, pickup_id)


async def mark_asked(uow: UnitOfWork, question: WinbackQuestion) -> None:
    """The question reached the customer."""
    if question.asked_at is None:
        question.asked_at = uow.clock.now()
        await uow.session.flush()


async def _customers_question(
    uow: UnitOfWork, customer_id: int, question_id: int
) -> WinbackQuestion:
    """The customer's own question; anyone else's does not exist for them."""
    question = await uow.session.get(WinbackQuestion, question_id)
    if question is None or question.customer_id != customer_id:
        raise NotFound(what="question", key=question_id)
    return question


async def record_answer(
    uow: UnitOfWork, *, customer_id: int, question_id: int, reason: str
) -> Answer:
    """Record why they stopped; a second answer (or a concurrent one) keeps the first."""
    if reason not in REASONS:
        raise InvalidInput(field="reason", reason=f"one of {', '.join(REASONS)}")
    question = await _customers_question(uow, customer_id, question_id)
    result = await uow.session.execute(
        update(WinbackQuestion)
        .where(WinbackQuestion.id == question.id, WinbackQuestion.answered_at.is_(None))
        .values(reason=reason, answered_at=uow.clock.now())
        .execution_options(synchronize_session=False)
    )
    await uow.session.refresh(question)
    return Answer(question=question, first=_rowcount(result) == 1)


def _rowcount(result: object) -> int:
    """Rows an UPDATE changed."""
    return int(getattr(result, "rowcount", 0) or 0)


def clean_comment(text: object) -> str:
    """One line of the customer's words: trimmed, line breaks folded; blank or huge refused."""
    if not isinstance(text, str):
        raise InvalidInput(field="comment", reason="text")
    line = " ".join(text.split())
    if not line:
        raise InvalidInput(field="comment", reason="a few words")
    if len(line) > MAX_COMMENT:
        raise InvalidInput(field="comment", reason=f"at most {MAX_COMMENT} characters")
    return line


async def record_comment(uow: UnitOfWork, *, customer_id: int, question_id: int, text: str) -> bool:
    """The line an "other" answer adds; False when there is one already (the first stays)."""
    line = clean_comment(text)
    question = await _customers_question(uow, customer_id, question_id)
    if question.reason != "other":
        raise InvalidInput(field="comment", reason="only with the answer “other”")
    result = await uow.session.execute(
        update(WinbackQuestion)
        .where(WinbackQuestion.id == question.id, WinbackQuestion.comment.is_(None))
        .values(comment=line)
        .execution_options(synchronize_session=False)
    )
    await uow.session.refresh(question)
    return _rowcount(result) == 1


async def answers_for_unit(uow: UnitOfWork, unit_id: int, *, since: dt.date) -> list[WinbackAnswer]:
    """What the unit's households answered since a business day, newest first."""
    start = dt.datetime.combine(since, dt.time(0), tzinfo=uow.settings.tz)
    rows = await uow.session.execute(
        select(
            WinbackQuestion.customer_id,
            Building.label,
            Customer.room,
            WinbackQuestion.visit_date,
            WinbackQuestion.reason,
            WinbackQuestion.comment,
            WinbackQuestion.answered_at,
        )
        .join(Customer, Customer.id == WinbackQuestion.customer_id)
        .outerjoin(Building, Building.id == Customer.building_id)
        .where(
            WinbackQuestion.unit_id == unit_id,
            WinbackQuestion.answered_at.is_not(None),
            WinbackQuestion.answered_at >= start,
        )
        .order_by(WinbackQuestion.answered_at.desc(), WinbackQuestion.id.desc())
    )
    return [WinbackAnswer(*row) for row in rows]


async def question_by_id(uow: UnitOfWork, question_id: int) -> WinbackQuestion | None:
    """A win-back question by id; None when there is none."""
    return await uow.session.get(WinbackQuestion, question_id)
