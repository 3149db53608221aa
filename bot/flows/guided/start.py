"""Guided mode for older customers: one plain question a message, big buttons, a helper.

Ways in: ``start_guided(ctx)`` (the settings toggle, or any flow) and
``start_assisted(ctx, token)`` (a partner's one-time link, ``/start a<token>``, which
also binds the customer to that partner). The only typing ever asked for is the room
number; every keyboard ends with "📞 Call my partner for help", which tells the partner
who is stuck, where they live and on which question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.flows.context import Ctx
from bot.flows.customer.menu import open_section, show_menu
from bot.flows.customer.onboarding import BAD_PHONE, BAD_ROOM, NOT_OWN
from bot.flows.events import Contact, Text
from bot.flows.guided.keys import (
    BACK,
    CALL,
    CHOICES,
    MORE,
    PRESS_A_BUTTON,
    SHARE_PHONE,
    SHOP_AGAIN,
    SKIP,
    STEP_BUILDING,
    STEP_CATEGORY,
    STEP_CHANGE,
    STEP_DONE,
    STEP_ITEM,
    STEP_PHONE,
    STEP_PRODUCT,
    STEP_REVIEW,
    STEP_ROOM,
    STEPS,
    chosen,
    is_label,
    joined,
    keyboard,
    page_of,
    unique_labels,
)
from bot.flows.guided.shop import (
    ask_category,
    ask_change,
    ask_item,
    ask_products,
    ask_review,
    category_answer,
    change_answer,
    done_answer,
    item_answer,
    product_answer,
    review_answer,
)
from bot.flows.partner.relay import PARTNER_LOCALE, address_of, name_of, to_partner
from bot.flows.payloads import Menu
from bot.flows.router import on_step
from bot.i18n import Translator, translator
from bot.messages.errors import explain
from core.catalog.search import category_by_id, product_by_id
from core.errors import InvalidInput
from core.people.assist import AssistLinkInvalid, redeem_assist_token
from core.people.customers import normalise_phone, normalise_room, set_address, set_phone
from core.people.units import building_by_id, buildings_of, reachable_partner

BUILDINGS_PER_PAGE = 8
Answer = Callable[[Ctx, str | None], Awaitable[None]]


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


WHERE = {
    STEP_BUILDING: _("choosing their building"),
    STEP_ROOM: _("typing their room number"),
    STEP_PHONE: _("sharing their phone number"),
    STEP_CATEGORY: _("choosing a kind of goods"),
    STEP_REVIEW: _("checking the order before confirming it"),
    STEP_CHANGE: _("changing the order before confirming it"),
    STEP_DONE: _("just after placing an order"),
}


# --- ways in ----------------------------------------------------------------------------


async def start_guided(ctx: Ctx, *, note: str | None = None) -> None:
    """Begin (or begin again) the guided first order with the first question still open."""
    customer = ctx.customer
    if customer.unit_id is None:
        await open_section(ctx, Menu("onboarding"))
        return
    hello = ctx._("I'll help you order, one step at a time. Just press the big buttons below.")
    partner = await reachable_partner(ctx.uow, customer)
    if partner is not None:
        hello += "\n" + ctx._(
            "If you get stuck, press “📞 Call my partner for help” and {name} will help you."
        ).format(name=partner.name)
    note = joined(note, hello)
    if customer.building_id is None or customer.room is None:
        await ask_building(ctx, note=note)
    elif customer.phone is None:
        await ask_phone(ctx, note=note)
    else:
        await ask_category(ctx, note=note)


async def start_assisted(ctx: Ctx, token: str) -> None:
    """A partner's link at the door: bind the customer to them, then guide the first order."""
    try:
        async with ctx.uow.savepoint():
            partner = await redeem_assist_token(ctx.uow, token, ctx.customer)
    except AssistLinkInvalid as refusal:
        if ctx.customer.unit_id is None:
            ctx.say(explain(refusal, ctx.t))
            await open_section(ctx, Menu("onboarding"))
        else:
            await show_menu(ctx, note=explain(refusal, ctx.t))
        return
    await start_guided(
        ctx,
        note=ctx._("Hello! {name} is here to help you with your first order.").format(
            name=partner.name
        ),
    )


# --- where to deliver -------------------------------------------------------------------


async def ask_building(ctx: Ctx, page: int = 0, *, note: str | None = None) -> None:
    """The unit's buildings as big buttons."""
    buildings = await buildings_of(ctx.uow, ctx.customer.unit_id or 0)
    labels = unique_labels([building.label for building in buildings])
    pairs = list(zip(labels, (building.id for building in buildings), strict=True))
    shown, page, paged = page_of(pairs, page, BUILDINGS_PER_PAGE)
    ctx.chat.go(STEP_BUILDING, page=page, **{CHOICES: dict(shown)})
    ctx.say(
        joined(note, ctx._("Which building do you live in?")),
        keyboard=keyboard(ctx, [label for label, _id in shown], rows=[[MORE] if paged else []]),
    )


async def building_answer(ctx: Ctx, text: str | None) -> None:
    """A building, or the next page of them."""
    page = int(ctx.chat.data.get("page", 0))
    if is_label(ctx, text, MORE):
        await ask_building(ctx, page + 1)
    elif (building_id := chosen(ctx, text)) is not None:
        await ask_room(ctx, building_id)
    else:
        await ask_building(ctx, page, note=ctx._(PRESS_A_BUTTON))


async def ask_room(ctx: Ctx, building_id: int, *, note: str | None = None) -> None:
    """The one thing typed in guided mode: the room number."""
    building = await building_by_id(ctx.uow, building_id)
    if building is None or building.unit_id != ctx.customer.unit_id:
        await ask_building(ctx, note=note)
        return
    ctx.chat.go(STEP_ROOM, building_id=building_id)
    question = ctx._("{building}: what is your room number? Please type it, like 1201.")
    ctx.say(
        joined(note, question.format(building=building.label)),
        keyboard=keyboard(ctx, [], rows=[[BACK]]),
    )


async def room_answer(ctx: Ctx, text: str | None) -> None:
    """A typed room number saves the address; "Back" chooses the building again."""
    building_id = int(ctx.chat.data.get("building_id", 0))
    if is_label(ctx, text, BACK):
        await ask_building(ctx)
        return
    if text is None:
        await ask_room(ctx, building_id, note=ctx._("Please type your room number."))
        return
    try:
        room = normalise_room(text[:40])
    except InvalidInput:
        await ask_room(ctx, building_id, note=ctx._(BAD_ROOM))
        return
    await set_address(
        ctx.uow, ctx.customer, building_id=building_id, room=room, origin=ctx.incoming.origin
    )
    if ctx.customer.phone is None:
        await ask_phone(ctx)
    else:
        await ask_category(ctx)


async def ask_phone(ctx: Ctx, *, note: str | None = None) -> None:
    """A phone number by one press of "Share my phone number", or skip it."""
    ctx.chat.go(STEP_PHONE)
    ctx.say(
        joined(
            note,
            ctx._(
                "May your partner have your phone number, to call you about deliveries? "
                "Press “📱 Share my phone number”, or “Skip”."
            ),
        ),
        keyboard=keyboard(ctx, [], rows=[[SKIP]]),
        ask_contact=ctx._(SHARE_PHONE),
    )


async def phone_answer(ctx: Ctx, text: str | None) -> None:
    """The customer's own contact (or a typed number) is saved; "Skip" goes on without it."""
    event = ctx.event
    if is_label(ctx, text, SKIP):
        await ask_category(ctx)
        return
    if isinstance(event, Contact) and not event.own:
        await ask_phone(ctx, note=ctx._(NOT_OWN))
        return
    raw = event.phone if isinstance(event, Contact) else text
    if raw is None:
        await ask_phone(ctx, note=ctx._(PRESS_A_BUTTON))
        return
    try:
        phone = normalise_phone(raw[:40])
    except InvalidInput:
        await ask_phone(ctx, note=ctx._(BAD_PHONE))
        return
    await set_phone(ctx.uow, ctx.customer, phone)
    await ask_category(ctx, note=ctx._("Thank you!"))


# --- "Call my partner for help" ------------------------------------------------------------


async def call_partner(ctx: Ctx) -> None:
    """Tell the partner who is stuck, where they live and on which question; then ask again."""
    partner = await reachable_partner(ctx.uow, ctx.customer)
    if partner is None:
        await reask(
            ctx,
            note=ctx._("Sorry, there is no partner to call right now. Please try again later."),
        )
        return
    zh = translator(PARTNER_LOCALE)
    text = zh.gettext(
        "📞 {name} ({address}) pressed “Call my partner for help”. Stuck at: {where}. "
        "Please call them or drop by."
    ).format(
        name=name_of(ctx.customer, zh),
        address=await address_of(ctx.uow, ctx.customer, zh),
        where=await _where(ctx, zh),
    )
    if ctx.customer.phone:
        text += "\n" + zh.gettext("Phone: {phone}").format(phone=ctx.customer.phone)
    ctx.forward(to_partner(partner, ctx.customer, text))
    await reask(ctx, note=ctx._("Your partner has been told and will call or come by."))


async def _where(ctx: Ctx, zh: Translator) -> str:
    """The question the customer is on, in the partner's words (Chinese names of things)."""
    step, data = ctx.chat.step, ctx.chat.data
    if step == STEP_PRODUCT:
        aisle = await category_by_id(ctx.uow, int(data.get("category_id", 0)))
        return zh.gettext("choosing a product in {category}").format(
            category=aisle.name_zh if aisle else ""
        )
    if step == STEP_ITEM:
        product = await product_by_id(ctx.uow, int(data.get("product_id", 0)))
        return zh.gettext("deciding how many {product} to take").format(
            product=product.name_zh if product else ""
        )
    return zh.gettext(WHERE.get(step, WHERE[STEP_CATEGORY]))


async def reask(ctx: Ctx, *, note: str | None = None) -> None:
    """Ask the current question again (after a help call or an answer we didn't expect)."""
    step, data = ctx.chat.step, ctx.chat.data
    page = int(data.get("page", 0))
    if step == STEP_BUILDING:
        await ask_building(ctx, page, note=note)
    elif step == STEP_ROOM:
        await ask_room(ctx, int(data.get("building_id", 0)), note=note)
    elif step == STEP_PHONE:
        await ask_phone(ctx, note=note)
    elif step == STEP_PRODUCT:
        await ask_products(ctx, int(data.get("category_id", 0)), page, note=note)
    elif step == STEP_ITEM:
        await ask_item(ctx, int(data.get("product_id", 0)), note=note)
    elif step == STEP_REVIEW:
        await ask_review(ctx, note=note)
    elif step == STEP_CHANGE:
        await ask_change(ctx, note=note)
    elif step == STEP_DONE:
        ctx.say(note or ctx._(PRESS_A_BUTTON), keyboard=keyboard(ctx, [], rows=[[SHOP_AGAIN]]))
    else:
        await ask_category(ctx, page, note=note)


# --- one handler for every guided question ----------------------------------------------------

_ANSWERS: dict[str, Answer] = {
    STEP_BUILDING: building_answer,
    STEP_ROOM: room_answer,
    STEP_PHONE: phone_answer,
    STEP_CATEGORY: category_answer,
    STEP_PRODUCT: product_answer,
    STEP_ITEM: item_answer,
    STEP_REVIEW: review_answer,
    STEP_CHANGE: change_answer,
    STEP_DONE: done_answer,
}


async def guided_step(ctx: Ctx) -> None:
    """Whatever arrives at a guided question: help, an answer, or a gentle "press a button"."""
    text = ctx.event.text if isinstance(ctx.event, Text) else None
    if is_label(ctx, text, CALL):
        await call_partner(ctx)
        return
    if ctx.customer.unit_id is None:
        await start_guided(ctx)
        return
    await _ANSWERS[ctx.chat.step](ctx, text)


for _step in STEPS:
    on_step(_step)(guided_step)
