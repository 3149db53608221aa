"""Feedback after delivery: 1–5 stars, then a few words if the customer wants to add some.

The order screen's "⭐ Rate this delivery" button (an ``OrderAction``, dispatched by the
orders flow) lands here with the customer's own order already checked.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.menu import show_menu
from bot.flows.events import Text
from bot.flows.partner.pings import partner_t, ping_partner_of
from bot.flows.payloads import OrderAction
from bot.flows.replies import InlineKeyboard
from bot.flows.router import on_step
from core.delivery.feedback import MAX_COMMENT, MAX_RATING, MIN_RATING, leave_feedback, rating_of
from core.errors import FeedbackNotAllowed
from core.models import Order
from core.orders.history import order_by_id

STEP = "feedback_comment"
LOW = 3  # a rating this low or lower reaches the partner at once


async def _refuse_if_not_rateable(ctx: Ctx, order: Order) -> None:
    """Say so at once, rather than after the customer has typed a comment.

    ``leave_feedback`` decides in the end; this only saves a wasted comment.
    """
    if order.delivered_at is None:
        raise FeedbackNotAllowed(order_no=order.order_no, reason="not_delivered")
    if await rating_of(ctx.uow, order.id) is not None:
        raise FeedbackNotAllowed(order_no=order.order_no, reason="already_given")


async def rate(ctx: Ctx, order: Order, stars: int) -> None:
    """No stars yet: offer 1–5; a star pressed: ask for an optional comment."""
    await _refuse_if_not_rateable(ctx, order)
    if not MIN_RATING <= stars <= MAX_RATING:
        await _ask_stars(ctx, order)
        return
    ctx.chat.go(STEP, order_id=order.id, order_no=order.order_no, rating=stars)
    ctx.show(
        ctx._("Thank you! Would you like to add a few words? Type them below, or tap Skip."),
        _skip_button(ctx, order.id, stars),
    )


async def _ask_stars(ctx: Ctx, order: Order) -> None:
    """Five buttons, from five stars down, one a row so they are easy to hit."""
    buttons = tuple(
        (ctx.button(f"{stars} " + "⭐" * stars, OrderAction(order.id, "rate", stars)),)
        for stars in range(MAX_RATING, MIN_RATING - 1, -1)
    )
    back = (ctx.button(ctx._("⬅️ Back"), OrderAction(order.id, "view")),)
    ctx.show(
        ctx._("How was the delivery of order {order}?").format(order=order.order_no),
        (*buttons, back),
    )


def _skip_button(ctx: Ctx, order_id: int, stars: int) -> InlineKeyboard:
    """Rate without a comment."""
    return ((ctx.button(ctx._("Skip"), OrderAction(order_id, "skip", stars)),),)


async def skip(ctx: Ctx, order: Order, stars: int) -> None:
    """Keep the stars, no comment."""
    ctx.chat.go("idle")
    await leave_feedback(
        ctx.uow, customer_id=ctx.customer.id, order_id=order.id, rating=stars, comment=None
    )
    await _tell_partner(ctx, order, stars, None)
    await _thank(ctx, order.order_no, stars)


@on_step(STEP)
async def comment(ctx: Ctx) -> None:
    """The typed comment: stored with the stars; too long or not text → ask again."""
    data = ctx.chat.data
    order_id, stars, order_no = data.get("order_id"), data.get("rating"), data.get("order_no")
    if not isinstance(order_id, int) or not isinstance(stars, int):
        await show_menu(ctx)
        return
    event = ctx.event
    if not isinstance(event, Text):
        ctx.say(
            ctx._("Please type your comment as a message, or tap Skip."),
            _skip_button(ctx, order_id, stars),
        )
        return
    if len(event.text.strip()) > MAX_COMMENT:
        ctx.say(
            ctx._(
                "That's a bit long. Please keep it under {max} characters and send it again, "
                "or tap Skip."
            ).format(max=MAX_COMMENT),
            _skip_button(ctx, order_id, stars),
        )
        return
    ctx.chat.go("idle")  # a refusal below must not leave the chat waiting for a comment
    await leave_feedback(
        ctx.uow, customer_id=ctx.customer.id, order_id=order_id, rating=stars, comment=event.text
    )
    order = await order_by_id(ctx.uow, order_id)
    if order is not None:
        await _tell_partner(ctx, order, stars, event.text.strip())
    await _thank(ctx, str(order_no or ""), stars)


async def _tell_partner(ctx: Ctx, order: Order, stars: int, words: str | None) -> None:
    """A rating of 3 stars or less reaches the partner at once, with the comment if any."""
    if stars > LOW:
        return
    pt = partner_t(ctx)
    text = pt.gettext("⚠️ Order {order} was rated {stars} ⭐ by the customer.").format(
        order=order.order_no, stars=stars
    )
    if words:
        text += "\n" + pt.gettext("They wrote: “{words}”").format(words=words)
    await ping_partner_of(ctx, order.unit_id, text)


async def _thank(ctx: Ctx, order_no: str, stars: int) -> None:
    """Thanks, an apology for a poor delivery, and the menu."""
    text = ctx._("Thank you for rating order {order}. Your partner and our team read every one.")
    if stars <= 2:
        text += "\n" + ctx._("We're sorry it wasn't better. Your partner will look into it.")
    await show_menu(ctx, note=text.format(order=order_no))
