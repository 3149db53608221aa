"""Feedback after delivery: how it went, 1–5 stars and a few words, once per order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.errors import FeedbackNotAllowed, InvalidInput, NotFound
from core.models import Building, Feedback, Order
from core.platform.uow import UnitOfWork

MAX_COMMENT = 1000
MIN_RATING, MAX_RATING = 1, 5


@dataclass(frozen=True)
class FeedbackEntry:
    """One customer's word on one order, as the partner and HQ read it."""

    order_id: int
    order_no: str
    customer_id: int
    building_label: str | None
    room: str | None
    delivery_date: dt.date
    rating: int
    comment: str | None
    created_at: dt.datetime


def _rating(value: object) -> int:
    """Stars are whole numbers 1–5; True, 4.5 or "5" are bugs upstream, not ratings."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field="rating", reason="a whole number from 1 to 5")
    if not MIN_RATING <= value <= MAX_RATING:
        raise InvalidInput(field="rating", reason="a whole number from 1 to 5")
    return value


def _comment(value: object) -> str | None:
    """Trim the comment; blank means no comment, and an essay is refused, not cut."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field="comment", reason="text")
    text = value.strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(field="comment", reason=f"at most {MAX_COMMENT} characters")
    return text or None


async def leave_feedback(
    uow: UnitOfWork, *, customer_id: int, order_id: int, rating: int, comment: str | None
) -> Feedback:
    """Record the customer's rating of a delivered order of theirs, once.

    A refunded order was delivered first, so it can still be rated (that is when a
    complaint matters most).
    """
    stars = _rating(rating)
    words = _comment(comment)
    order = await uow.session.get(Order, order_id)
    if order is None or order.customer_id != customer_id:
        raise NotFound(what="order", key=order_id)  # another customer's order: say nothing of it
    if order.delivered_at is None:
        raise FeedbackNotAllowed(order_no=order.order_no, reason="not_delivered")
    already = await uow.session.scalar(select(Feedback.id).where(Feedback.order_id == order.id))
    if already is not None:
        raise FeedbackNotAllowed(order_no=order.order_no, reason="already_given")
    feedback = Feedback(
        order_id=order.id,
        customer_id=customer_id,
        rating=stars,
        comment=words,
        created_at=uow.clock.now(),
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(feedback)
    except IntegrityError:  # a second tap committed first; the unique order_id caught it
        raise FeedbackNotAllowed(order_no=order.order_no, reason="already_given") from None
    return feedback


async def feedback_for_unit(
    uow: UnitOfWork, unit_id: int, *, since: dt.datetime | dt.date
) -> list[FeedbackEntry]:
    """What a unit's customers said since an instant (or a business day), newest first."""
    if isinstance(since, dt.datetime):
        if since.tzinfo is None:
            raise InvalidInput(field="since", reason="an aware datetime")
        start = since
    else:
        start = dt.datetime.combine(since, dt.time(0), tzinfo=uow.settings.tz)
    rows = await uow.session.execute(
        select(
            Feedback.order_id,
            Order.order_no,
            Feedback.customer_id,
            Building.label,
            Order.room,
            Order.delivery_date,
            Feedback.rating,
            Feedback.comment,
            Feedback.created_at,
        )
        .join(Order, Feedback.order_id == Order.id)
        .outerjoin(Building, Order.building_id == Building.id)
        .where(Order.unit_id == unit_id, Feedback.created_at >= start)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
    return [FeedbackEntry(*row) for row in rows]


async def rating_of(uow: UnitOfWork, order_id: int) -> int | None:
    """The stars already given to an order, if any."""
    return await uow.session.scalar(select(Feedback.rating).where(Feedback.order_id == order_id))
