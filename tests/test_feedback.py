"""Customers rate a delivered order once; partners read what their unit said."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.delivery.feedback import MAX_COMMENT, feedback_for_unit, leave_feedback
from core.errors import FeedbackNotAllowed, InvalidInput, NotFound
from core.models import Feedback
from core.orders.lifecycle import refund
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
    send_out,
)


async def _run(db, action, *args, **kwargs):
    async with db.uow() as uow:
        result = await action(uow, *args, **kwargs)
        await uow.commit()
    return result


@pytest.fixture
async def delivered(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup, building=1, room="3-301")
    cola = await make_product(db, "COLA", price_fen=300)
    order = (await place(db, customer, [(cola, 2)])).order
    await deliver_order(db, order.id)
    return setup, customer, cola, order


async def _rate(db, customer, order, rating=5, comment=None):
    return await _run(
        db,
        leave_feedback,
        customer_id=customer.id,
        order_id=order.id,
        rating=rating,
        comment=comment,
    )


async def test_a_delivered_order_can_be_rated_with_a_trimmed_comment(db, delivered):
    _, customer, _, order = delivered
    feedback = await _rate(db, customer, order, rating=4, comment="  王阿姨很准时，箱子也干净  ")
    assert (feedback.rating, feedback.comment) == (4, "王阿姨很准时，箱子也干净")
    assert (feedback.order_id, feedback.customer_id) == (order.id, customer.id)
    assert feedback.created_at == shanghai(2026, 11, 23, 10).astimezone(dt.UTC)


@pytest.mark.parametrize("comment", [None, "", "   \n "])
async def test_a_blank_comment_is_stored_as_none(db, delivered, comment):
    _, customer, _, order = delivered
    assert (await _rate(db, customer, order, comment=comment)).comment is None


async def test_an_order_can_be_rated_only_once(db, delivered):
    _, customer, _, order = delivered
    await _rate(db, customer, order, rating=5)
    with pytest.raises(FeedbackNotAllowed) as refused:
        await _rate(db, customer, order, rating=1)
    assert (refused.value.reason, refused.value.order_no) == ("already_given", order.order_no)
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Feedback)) == 1


async def test_an_order_not_yet_delivered_cannot_be_rated(db, delivered):
    _, customer, cola, _ = delivered
    waiting = (await place(db, customer, [(cola, 1)])).order
    with pytest.raises(FeedbackNotAllowed) as refused:
        await _rate(db, customer, waiting)
    assert refused.value.reason == "not_delivered"
    await send_out(db, waiting.id)
    with pytest.raises(FeedbackNotAllowed):
        await _rate(db, customer, waiting)


async def test_a_refunded_order_can_still_be_rated(db, delivered):
    _, customer, _, order = delivered
    await _run(db, refund, order_id=order.id, reason="瓶子漏了")
    assert (await _rate(db, customer, order, rating=1, comment="漏了")).rating == 1


async def test_someone_elses_order_is_not_found(db, delivered):
    setup, _, _, order = delivered
    neighbour = await make_bound_customer(db, setup, room="101")
    with pytest.raises(NotFound):
        await _rate(db, neighbour, order)


async def test_an_unknown_order_is_not_found(db, delivered):
    _, customer, _, _ = delivered
    with pytest.raises(NotFound):
        await _run(
            db, leave_feedback, customer_id=customer.id, order_id=9999, rating=5, comment=None
        )


@pytest.mark.parametrize("rating", [0, 6, -1, True, 4.0, "5", None])
async def test_a_rating_must_be_a_whole_number_from_one_to_five(db, delivered, rating):
    _, customer, _, order = delivered
    with pytest.raises(InvalidInput) as refused:
        await _rate(db, customer, order, rating=rating)
    assert refused.value.field == "rating"


async def test_a_comment_of_a_thousand_characters_is_kept_but_longer_is_refused(db, delivered):
    _, customer, _, order = delivered
    with pytest.raises(InvalidInput) as refused:
        await _rate(db, customer, order, comment="好" * (MAX_COMMENT + 1))
    assert refused.value.field == "comment"
    kept = await _rate(db, customer, order, comment=" " + "好" * MAX_COMMENT + " ")
    assert len(kept.comment) == MAX_COMMENT


async def test_a_comment_that_is_not_text_is_refused(db, delivered):
    _, customer, _, order = delivered
    with pytest.raises(InvalidInput):
        await _rate(db, customer, order, comment=5)


async def test_the_partner_reads_the_units_feedback_newest_first(db, clock, delivered):
    setup, customer, cola, order = delivered
    clock.set(shanghai(2026, 11, 24, 10))
    second = (await place(db, customer, [(cola, 1)])).order
    await deliver_order(db, second.id)
    await _rate(db, customer, order, rating=3, comment="还行")
    clock.set(shanghai(2026, 11, 24, 21))
    await _rate(db, customer, second, rating=5)
    other = await make_unit_with_partner(db, code="huayuan")
    stranger = await make_bound_customer(db, other, room="101")
    theirs = (await place(db, stranger, [(cola, 1)])).order
    await deliver_order(db, theirs.id)
    await _rate(db, stranger, theirs, rating=1)

    async with db.uow() as uow:
        everything = await feedback_for_unit(uow, setup.unit.id, since=dt.date(2026, 11, 24))
        tonight = await feedback_for_unit(uow, setup.unit.id, since=shanghai(2026, 11, 24, 20))

    assert [(f.order_no, f.rating, f.comment) for f in everything] == [
        (second.order_no, 5, None),
        (order.order_no, 3, "还行"),
    ]
    assert (everything[1].building_label, everything[1].room) == ("2栋", "3-301")
    assert everything[1].delivery_date == dt.date(2026, 11, 23)
    assert [f.order_no for f in tonight] == [second.order_no]


async def test_a_naive_since_is_refused(db, delivered):
    setup, *_ = delivered
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await feedback_for_unit(uow, setup.unit.id, since=dt.datetime(2026, 11, 24))
