"""Checkout, step one: where to deliver and which phone to call, asked only when missing or wrong.

The building is picked with buttons, the room is typed, the phone is typed or shared;
each answer is validated by core and a refusal is explained while we keep waiting.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.cart import show_cart
from bot.flows.events import Contact, Text
from bot.flows.payloads import CartAction, Checkout
from bot.flows.replies import InlineButton, InlineKeyboard
from bot.flows.router import expired, on_step
from bot.messages.errors import explain
from core.errors import InvalidInput
from core.models import Building
from core.people.customers import normalise_phone, normalise_room, set_address, set_phone
from core.people.units import building_by_id, buildings_of

ROOM_STEP = "co_room"
PHONE_STEP = "co_phone"
BUILDINGS_PER_PAGE = 24
BUILDINGS_PER_ROW = 3


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


CANCEL = _("✖️ Cancel")


def mask_phone(phone: str) -> str:
    """139****0000: enough to recognise one's own number, not enough to copy it."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


async def address_of(ctx: Ctx) -> str | None:
    """Building and room as the partner reads them, or None while either is unknown."""
    customer = ctx.customer
    if customer.building_id is None or not customer.room:
        return None
    building = await building_by_id(ctx.uow, customer.building_id)
    if building is None or building.unit_id != customer.unit_id:
        return None
    return f"{building.label} {customer.room}"


async def details_complete(ctx: Ctx) -> bool:
    """Ask for the first missing detail; True when address and phone are both known."""
    if await address_of(ctx) is None:
        await ask_building(ctx)
        return False
    if not ctx.customer.phone:
        ask_phone(ctx)
        return False
    return True


async def show_details(ctx: Ctx) -> None:
    """Screen one: confirm where to deliver and whom to call, with ways to fix either."""
    if not await details_complete(ctx):
        return
    ctx.chat.go("idle")
    text = ctx._("Deliver to {address}, phone {phone}?").format(
        address=await address_of(ctx), phone=mask_phone(ctx.customer.phone or "")
    )
    ctx.show(
        text,
        (
            (ctx.button(ctx._("✅ Correct"), Checkout("review")),),
            (
                ctx.button(ctx._("📍 Change address"), Checkout("address")),
                ctx.button(ctx._("📞 Change phone"), Checkout("phone")),
            ),
            (ctx.button(ctx._("⬅️ Back to cart"), CartAction("view")),),
        ),
    )


async def ask_building(ctx: Ctx, page: int = 0) -> None:
    """Which building: buttons (a unit with one building skips straight to the room)."""
    buildings = await buildings_of(ctx.uow, ctx.customer.unit_id or 0)
    if len(buildings) == 1:
        _ask_room(ctx, buildings[0])
        return
    page = max(0, min(page, (len(buildings) - 1) // BUILDINGS_PER_PAGE))
    shown = buildings[page * BUILDINGS_PER_PAGE : (page + 1) * BUILDINGS_PER_PAGE]
    buttons = [ctx.button(b.label, Checkout("building", str(b.id))) for b in shown]
    rows: list[tuple[InlineButton, ...]] = [
        tuple(buttons[i : i + BUILDINGS_PER_ROW]) for i in range(0, len(buttons), BUILDINGS_PER_ROW)
    ]
    pager = []
    if page > 0:
        pager.append(ctx.button("◀", Checkout("buildings", str(page - 1))))
    if (page + 1) * BUILDINGS_PER_PAGE < len(buildings):
        pager.append(ctx.button("▶", Checkout("buildings", str(page + 1))))
    if pager:
        rows.append(tuple(pager))
    rows.append((ctx.button(ctx._(CANCEL), Checkout("details")),))
    ctx.chat.go("idle")
    ctx.show(ctx._("Which building do you live in?"), tuple(rows))


async def pick_building(ctx: Ctx, building_id: str) -> None:
    """A building button: now the room."""
    building = await building_by_id(ctx.uow, int(building_id)) if building_id.isdigit() else None
    if building is None or building.unit_id != ctx.customer.unit_id:
        await expired(ctx)
        return
    _ask_room(ctx, building)


def _ask_room(ctx: Ctx, building: Building, note: str | None = None) -> None:
    """Wait for the typed room number in ``building``."""
    ctx.chat.go(ROOM_STEP, building_id=building.id, label=building.label)
    text = ctx._("{building}: what is your room number? For example 1201.").format(
        building=building.label
    )
    ctx.show(f"{note}\n\n{text}" if note else text, _cancel_inline(ctx))


def _cancel_inline(ctx: Ctx) -> InlineKeyboard:
    """Back to the delivery details without changing them."""
    return ((ctx.button(ctx._(CANCEL), Checkout("details")),),)


@on_step(ROOM_STEP)
async def typed_room(ctx: Ctx) -> None:
    """The room number: saved with the chosen building, or explained and asked again."""
    building = await building_by_id(ctx.uow, int(ctx.chat.data.get("building_id") or 0))
    if building is None or building.unit_id != ctx.customer.unit_id:
        await ask_building(ctx)
        return
    event = ctx.event
    text = event.text if isinstance(event, Text) else ""
    try:
        room = normalise_room(text)
        await set_address(
            ctx.uow, ctx.customer, building_id=building.id, room=room, origin=ctx.incoming.origin
        )
    except InvalidInput as refusal:
        _ask_room(ctx, building, explain(refusal, ctx.t))
        return
    ctx.chat.go("idle")
    await show_details(ctx)


def ask_phone(ctx: Ctx, note: str | None = None) -> None:
    """Wait for a typed or shared phone; the big keys are "share my number" and cancel."""
    ctx.chat.go(PHONE_STEP)
    text = ctx._(
        "Which mobile number should your partner call when they deliver? "
        "Type it, or tap the button below to share it."
    )
    ctx.say(
        f"{note}\n\n{text}" if note else text,
        ask_contact=ctx._("📱 Share my number"),
        keyboard=((ctx._(CANCEL),),),
    )


@on_step(PHONE_STEP)
async def typed_phone(ctx: Ctx) -> None:
    """A typed number or a shared contact: saved, or explained and asked again."""
    event = ctx.event
    if isinstance(event, Text) and event.text.strip() == ctx._(CANCEL):
        ctx.chat.go("idle")
        ctx.say(ctx._("OK, nothing changed."), remove_keyboard=True)
        await back_to_details(ctx)
        return
    if isinstance(event, Contact) and not event.own:
        ask_phone(ctx, ctx._("Please share your own number, or type it."))
        return
    raw = (
        event.phone if isinstance(event, Contact) else event.text if isinstance(event, Text) else ""
    )
    try:
        await set_phone(ctx.uow, ctx.customer, normalise_phone(raw))
    except InvalidInput as refusal:
        ask_phone(ctx, explain(refusal, ctx.t))
        return
    ctx.chat.go("idle")
    ctx.say(ctx._("Thank you, saved."), remove_keyboard=True)
    await show_details(ctx)


async def back_to_details(ctx: Ctx) -> None:
    """After a cancel: the details when they are complete, else the cart."""
    if await address_of(ctx) is not None and ctx.customer.phone:
        await show_details(ctx)
        return
    await show_cart(ctx)
