"""Onboarding: a new customer finds their home, leaves a phone number and meets their partner.

Two ways in. A partner's link or a leaflet QR (``/start i<code>[b<n>]``) binds the unit
and credits the partner at once, and a leaflet also names the building. Without one the
customer picks unit → building → room. Then the phone, the language, the optional
household profile (household.py) and a welcome from the partner with the menu.

Settings borrows the address, phone and profile steps: it puts ``back="settings"`` in
the chat data, and every step carries it along and returns there instead of going on.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

from bot.flows.context import Ctx
from bot.flows.customer.menu import section, show_menu
from bot.flows.events import Command, Contact, Text
from bot.flows.payloads import Menu, PickBuilding, PickLanguage, PickUnit, Settings
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button, on_command, on_step
from bot.i18n import translator
from core.catalog.pinyin import search_keys
from core.errors import InvalidInput
from core.models import Building, Customer, Unit
from core.people.customers import (
    bind_to_unit,
    normalise_phone,
    normalise_room,
    set_address,
    set_locale,
    set_phone,
)
from core.people.invites import parse_start_payload, resolve_invite
from core.people.units import (
    active_partner,
    building_by_id,
    buildings_of,
    unit_by_id,
    units_taking_customers,
)
from core.people.web_tokens import LINK_PREFIX
from core.platform.config import SUPPORTED_LOCALES

BACK = "back"  # chat-data key saying where a borrowed step returns to
TO_SETTINGS = "settings"
STEP_UNIT, STEP_BUILDING, STEP_ROOM = "onb_unit", "onb_building", "onb_room"
STEP_PHONE, STEP_LANGUAGE = "onb_phone", "onb_language"
BUILDINGS_PER_PAGE = 8
LANGUAGES = (("zh_CN", "中文"), ("en", "English"))  # each named in its own language


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


HELLO = _(
    "Hello! I'm Linli, your neighbourhood grocery shop. "
    "Let's find your home so your partner can bring orders to your door."
)
NO_UNITS = _("Sorry, Linli doesn't deliver to any neighbourhood yet. Please check back soon.")
ASK_UNIT = _("Which neighbourhood do you live in?")
ASK_BUILDING = _("Which building do you live in?")
PAGE_OF = _("Page {page} of {pages}")
ANOTHER_UNIT = _("◀ Another neighbourhood")
ANOTHER_BUILDING = _("◀ Another building")
BACK_TO_SETTINGS = _("◀ Back to settings")
ASK_ROOM = _("{building}: which room do you live in? Please type the number, like 1203 or 2-301.")
TYPE_ROOM = _("Please type your room number.")
BAD_ROOM = _(
    "That doesn't look like a room number. Please type just the number, like 1203 or "
    "2-301 (letters, digits or “-”, up to 10)."
)
ASK_PHONE = _(
    "What's your mobile number? Your partner uses it only to reach you about deliveries. "
    "Tap “Share my phone number” below, or type it."
)
SHARE_PHONE = _("📱 Share my phone number")
TYPE_PHONE = _("Please type your mobile number, or tap “Share my phone number”.")
BAD_PHONE = _(
    "That doesn't look like a mobile number. Please type your 11-digit number, "
    "like 13912345678, or tap “Share my phone number”."
)
NOT_OWN = _("That's someone else's contact. Please share your own number, or type it.")
PHONE_SAVED = _("Thank you! Your number is {phone}.")
ASK_LANGUAGE = _("Which language would you like me to use?")
USE_BUTTONS = _("Please choose with the buttons below.")
INVITED = _("Welcome! {partner} invited you to Linli, groceries to your door in {unit}.")
WELCOME = _("Hello, I'm {partner}, your Linli partner for {unit}. Welcome!")
WELCOME_NO_PARTNER = _("Welcome to Linli in {unit}!")
SELLING_POINTS = _(
    "🔥 New offers in the deals zone every day\n"
    "💪 Heavy goods like rice, oil and water carried to your door\n"
    "💰 Prices below the supermarket\n"
    "🕒 Order before {cutoff} and it arrives tonight, {start}–{end}"
)
SIMPLE_MODE_HINT = _(
    "Prefer big buttons and one question at a time? Turn on simple mode in ⚙️ Settings."
)
WELCOME_BACK = _("Welcome back!")
ALREADY_WITH = _(
    "Welcome back! You're already with {unit}, and {partner} looks after your deliveries."
)


# --- shared by the steps ---------------------------------------------------------------


def joined(*parts: str | None) -> str:
    """Paragraphs of one message, skipping the empty ones."""
    return "\n\n".join(part for part in parts if part)


def keep_back(ctx: Ctx, step: str, **data: Any) -> None:
    """Move to ``step``, keeping where a borrowed step returns to."""
    back = ctx.chat.data.get(BACK)
    if back:
        data[BACK] = back
    ctx.chat.go(step, **data)


def from_settings(ctx: Ctx) -> bool:
    """True while settings borrows an onboarding step."""
    return ctx.chat.data.get(BACK) == TO_SETTINGS


def unit_name(ctx: Ctx, unit: Unit) -> str:
    """The unit's name in the customer's language."""
    return unit.name_en if ctx.t.locale == "en" else unit.name_zh


def is_complete(customer: Customer) -> bool:
    """Everything a delivery needs: where, and whom to call."""
    return None not in (customer.unit_id, customer.building_id, customer.room, customer.phone)


async def back_to_settings(ctx: Ctx, *, note: str | None = None) -> None:
    """Return to the settings screen a borrowed step came from."""
    from bot.flows.customer.settings import show_settings

    await show_settings(ctx, note=note)


# --- /start and the way in -----------------------------------------------------------


@on_command("start")
async def start(ctx: Ctx) -> None:
    """``/start`` with a partner's invite, a leaflet QR, an assisted link, or nothing."""
    args = ctx.event.args.strip() if isinstance(ctx.event, Command) else ""
    if args.startswith("a") and await _start_assisted(ctx, args[1:]):
        return
    if args.startswith(LINK_PREFIX):
        from bot.flows.customer.web_links import (
            follow_link,  # it imports the partner home, then this
        )

        await follow_link(ctx, args)
        return
    if not args:
        from bot.flows.partner.home import open_home_if_partner  # it imports this module

        if await open_home_if_partner(ctx):
            return
    ctx.chat.go("idle")
    payload = parse_start_payload(args)
    invite = await resolve_invite(ctx.uow, payload) if payload is not None else None
    customer = ctx.customer
    if customer.unit_id is None and invite is not None and payload is not None:
        await bind_to_unit(
            ctx.uow,
            customer,
            unit_id=invite.unit.id,
            partner=invite.partner,
            invite_code=payload.invite_code,
        )
        note = ctx._(INVITED).format(partner=invite.partner.name, unit=unit_name(ctx, invite.unit))
        await resume(ctx, note=note, building=invite.building)
        return
    if customer.unit_id is None:
        await ask_unit(ctx, note=ctx._(HELLO))
        return
    note = ctx._(WELCOME_BACK)
    if invite is not None:
        note = await _already_with(ctx, customer.unit_id)
    preselected = invite.building if invite and invite.unit.id == customer.unit_id else None
    await resume(ctx, note=note, building=preselected)


async def _start_assisted(ctx: Ctx, token: str) -> bool:
    """Hand an assisted link to guided mode; False when guided mode isn't installed."""
    try:
        guided = importlib.import_module("bot.flows.guided.start")
    except ModuleNotFoundError as missing:
        if missing.name != "bot.flows.guided.start":
            raise
        return False
    start_assisted = getattr(guided, "start_assisted", None)
    if start_assisted is None:
        return False
    await start_assisted(ctx, token)
    return True


async def _already_with(ctx: Ctx, unit_id: int) -> str:
    """The greeting for someone who followed a link but joined a unit before."""
    unit = await unit_by_id(ctx.uow, unit_id)
    partner = await active_partner(ctx.uow, unit_id)
    if unit is None or partner is None:
        return ctx._(WELCOME_BACK)
    return ctx._(ALREADY_WITH).format(unit=unit_name(ctx, unit), partner=partner.name)


@section("onboarding")
async def onboarding(ctx: Ctx) -> None:
    """Anyone not yet living anywhere we know: start with their neighbourhood."""
    ctx.chat.go("idle")
    if ctx.customer.unit_id is not None:
        await resume(ctx)
        return
    await ask_unit(ctx, note=ctx._(HELLO))


async def resume(ctx: Ctx, *, note: str | None = None, building: Building | None = None) -> None:
    """Ask for the first thing still missing; a complete customer gets the menu."""
    customer = ctx.customer
    if customer.unit_id is None:
        await ask_unit(ctx, note=note)
    elif customer.building_id is None or customer.room is None:
        if building is not None:
            await ask_room(ctx, building, note=note)
        else:
            await ask_building(ctx, customer.unit_id, note=note)
    elif customer.phone is None:
        await ask_phone(ctx, note=note)
    else:
        await show_menu(ctx, note=note)


# --- neighbourhood -------------------------------------------------------------------


async def open_units(ctx: Ctx) -> list[Unit]:
    """Units taking customers (open, with a partner), in the order a reader looks for them."""
    units = await units_taking_customers(ctx.uow)
    if ctx.t.locale == "en":
        units.sort(key=lambda unit: (unit.name_en.casefold(), unit.id))
    else:
        units.sort(key=lambda unit: (search_keys(unit.name_zh)[0], unit.name_zh, unit.id))
    return units


async def ask_unit(ctx: Ctx, *, note: str | None = None) -> None:
    """One button per neighbourhood."""
    units = await open_units(ctx)
    if not units:
        ctx.chat.go("idle")
        ctx.show(joined(note, ctx._(NO_UNITS)))
        return
    ctx.chat.go(STEP_UNIT)
    rows = tuple(
        (ctx.button(f"{unit_name(ctx, unit)} · {unit.area}", PickUnit(unit.id)),) for unit in units
    )
    ctx.show(joined(note, ctx._(ASK_UNIT)), rows)


@on_step(STEP_UNIT)
async def unit_step_nudge(ctx: Ctx) -> None:
    """Typing while the neighbourhood buttons wait: say so, ask again."""
    await ask_unit(ctx, note=ctx._(USE_BUTTONS))


@on_button(PickUnit)
async def unit_picked(ctx: Ctx, item: PickUnit) -> None:
    """Remember the choice; the customer joins once they pick a building of it."""
    if ctx.customer.unit_id is not None:
        await expired(ctx)
        return
    unit = await unit_by_id(ctx.uow, item.unit_id)
    if unit is None or not unit.active:
        await ask_unit(ctx)
        return
    await ask_building(ctx, unit.id)


# --- building and room ---------------------------------------------------------------


async def ask_building(ctx: Ctx, unit_id: int, page: int = 0, *, note: str | None = None) -> None:
    """The unit's buildings, eight a page, two a row, in the order the partner walks them."""
    buildings = await buildings_of(ctx.uow, unit_id)
    pages = max(1, math.ceil(len(buildings) / BUILDINGS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = buildings[page * BUILDINGS_PER_PAGE : (page + 1) * BUILDINGS_PER_PAGE]
    buttons = [ctx.button(b.label, PickBuilding(b.id, page)) for b in shown]
    rows: list[tuple[InlineButton, ...]] = [
        tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)
    ]
    nav: list[InlineButton] = []
    if page > 0:
        nav.append(ctx.button("◀", PickBuilding(0, page - 1)))
    if page < pages - 1:
        nav.append(ctx.button("▶", PickBuilding(0, page + 1)))
    if nav:
        rows.append(tuple(nav))
    if from_settings(ctx):
        rows.append((ctx.button(ctx._(BACK_TO_SETTINGS), Settings("view")),))
    elif ctx.customer.unit_id is None:
        rows.append((ctx.button(ctx._(ANOTHER_UNIT), Menu("onboarding")),))
    unit = await unit_by_id(ctx.uow, unit_id)
    question = ctx._(ASK_BUILDING)
    if unit is not None:
        question = f"{unit_name(ctx, unit)}\n{question}"
    if pages > 1:
        question += "\n" + ctx._(PAGE_OF).format(page=page + 1, pages=pages)
    keep_back(ctx, STEP_BUILDING, unit_id=unit_id, page=page)
    ctx.show(joined(note, question), tuple(rows))


@on_step(STEP_BUILDING)
async def building_typed(ctx: Ctx) -> None:
    """A typed building label works too (older customers type "3栋"); else ask again."""
    unit_id, page = ctx.chat.data.get("unit_id"), ctx.chat.data.get("page", 0)
    if not isinstance(unit_id, int):
        await onboarding(ctx)
        return
    if isinstance(ctx.event, Text):
        typed = ctx.event.text.strip().casefold()
        for building in await buildings_of(ctx.uow, unit_id):
            if typed and building.label.casefold() == typed:
                await _building_chosen(ctx, unit_id, building, page)
                return
    await ask_building(ctx, unit_id, page if isinstance(page, int) else 0, note=ctx._(USE_BUTTONS))


@on_button(PickBuilding)
async def building_picked(ctx: Ctx, item: PickBuilding) -> None:
    """A building, or another page of buildings (building id 0)."""
    unit_id = ctx.customer.unit_id or ctx.chat.data.get("unit_id")
    if ctx.chat.step not in (STEP_BUILDING, STEP_ROOM) or not isinstance(unit_id, int):
        await expired(ctx)
        return
    if item.building_id == 0:
        await ask_building(ctx, unit_id, item.page)
        return
    building = await building_by_id(ctx.uow, item.building_id)
    if building is None or building.unit_id != unit_id:
        await expired(ctx)
        return
    await _building_chosen(ctx, unit_id, building, item.page)


async def _building_chosen(ctx: Ctx, unit_id: int, building: Building, page: int) -> None:
    """Join the unit now if this is a first choice (no partner is credited without a link)."""
    if ctx.customer.unit_id is None:
        unit = await unit_by_id(ctx.uow, unit_id)
        if unit is None or not unit.active:
            await ask_unit(ctx)
            return
        await bind_to_unit(ctx.uow, ctx.customer, unit_id=unit_id)
    await ask_room(ctx, building, page, note=None)


async def ask_room(ctx: Ctx, building: Building, page: int = 0, *, note: str | None = None) -> None:
    """The one thing typed in onboarding: the room number."""
    keep_back(ctx, STEP_ROOM, unit_id=building.unit_id, building_id=building.id, page=page)
    rows = [(ctx.button(ctx._(ANOTHER_BUILDING), PickBuilding(0, page)),)]
    if from_settings(ctx):
        rows.append((ctx.button(ctx._(BACK_TO_SETTINGS), Settings("view")),))
    ctx.show(joined(note, ctx._(ASK_ROOM).format(building=building.label)), tuple(rows))


@on_step(STEP_ROOM)
async def room_typed(ctx: Ctx) -> None:
    """Save building and room; a bad room gets a hint and the same question."""
    building_id, page = ctx.chat.data.get("building_id"), ctx.chat.data.get("page", 0)
    building = await building_by_id(ctx.uow, building_id) if isinstance(building_id, int) else None
    if building is None or building.unit_id != ctx.customer.unit_id:
        await onboarding(ctx)
        return
    page = page if isinstance(page, int) else 0
    if not isinstance(ctx.event, Text):
        await ask_room(ctx, building, page, note=ctx._(TYPE_ROOM))
        return
    try:
        room = normalise_room(ctx.event.text)
    except InvalidInput:
        await ask_room(ctx, building, page, note=ctx._(BAD_ROOM))
        return
    await set_address(
        ctx.uow, ctx.customer, building_id=building.id, room=room, origin=ctx.incoming.origin
    )
    if from_settings(ctx):
        await back_to_settings(ctx, note=ctx._("Your address is saved."))
    elif ctx.customer.phone is None:
        await ask_phone(ctx)
    else:
        await ask_language(ctx)


# --- phone ---------------------------------------------------------------------------


async def ask_phone(ctx: Ctx, *, note: str | None = None) -> None:
    """A "share my phone number" key, or typing; from settings also a way back."""
    keep_back(ctx, STEP_PHONE)
    keyboard = ((ctx._(BACK_TO_SETTINGS),),) if from_settings(ctx) else None
    ctx.say(joined(note, ctx._(ASK_PHONE)), ask_contact=ctx._(SHARE_PHONE), keyboard=keyboard)


@on_step(STEP_PHONE)
async def phone_given(ctx: Ctx) -> None:
    """Accept the customer's own shared contact or a typed mobile number."""
    event = ctx.event
    going_back = isinstance(event, Text) and event.text.strip() == ctx._(BACK_TO_SETTINGS)
    if going_back and from_settings(ctx):
        ctx.say(ctx._("OK, your number stays the same."), remove_keyboard=True)
        await back_to_settings(ctx)
        return
    if isinstance(event, Contact):
        if not event.own:
            await ask_phone(ctx, note=ctx._(NOT_OWN))
            return
        raw = event.phone
    elif isinstance(event, Text):
        raw = event.text
    else:
        await ask_phone(ctx, note=ctx._(TYPE_PHONE))
        return
    try:
        phone = normalise_phone(raw)
    except InvalidInput:
        await ask_phone(ctx, note=ctx._(BAD_PHONE))
        return
    await set_phone(ctx.uow, ctx.customer, phone)
    ctx.say(ctx._(PHONE_SAVED).format(phone=phone), remove_keyboard=True)
    if from_settings(ctx):
        await back_to_settings(ctx)
    else:
        await ask_language(ctx)


# --- language --------------------------------------------------------------------------


async def ask_language(ctx: Ctx, *, note: str | None = None) -> None:
    """中文 or English, each written in its own language."""
    keep_back(ctx, STEP_LANGUAGE)
    row = tuple(ctx.button(label, PickLanguage(code)) for code, label in LANGUAGES)
    ctx.show(joined(note, ctx._(ASK_LANGUAGE)), (row,))


@on_step(STEP_LANGUAGE)
async def language_typed(ctx: Ctx) -> None:
    """Typing "English" or "中文" works too; anything else gets the buttons again."""
    if isinstance(ctx.event, Text):
        typed = ctx.event.text.strip().casefold()
        for code, label in LANGUAGES:
            if typed in (label.casefold(), code.casefold()):
                await language_picked(ctx, PickLanguage(code))
                return
    await ask_language(ctx, note=ctx._(USE_BUTTONS))


@on_button(PickLanguage)
async def language_picked(ctx: Ctx, item: PickLanguage) -> None:
    """Switch language at once, so the very next message is in it."""
    if item.locale not in SUPPORTED_LOCALES:
        await expired(ctx)
        return
    onboarding_now = ctx.chat.step == STEP_LANGUAGE and not from_settings(ctx)
    await set_locale(ctx.uow, ctx.customer, item.locale)
    ctx.t = translator(item.locale)
    if onboarding_now:
        from bot.flows.customer.household import ask_household

        await ask_household(ctx)
    else:
        await back_to_settings(ctx)


# --- welcome -------------------------------------------------------------------------------


async def welcome(ctx: Ctx) -> None:
    """The partner introduces themself and what Linli does for this household, then the menu."""
    unit_id = ctx.customer.unit_id
    unit = await unit_by_id(ctx.uow, unit_id)
    if unit is None:
        await onboarding(ctx)
        return
    partner = await active_partner(ctx.uow, unit.id)
    if partner is not None:
        greeting = ctx._(WELCOME).format(partner=partner.name, unit=unit_name(ctx, unit))
    else:
        greeting = ctx._(WELCOME_NO_PARTNER).format(unit=unit_name(ctx, unit))
    points = ctx._(SELLING_POINTS).format(
        cutoff=ctx.t.time(unit.cutoff),
        start=ctx.t.time(unit.window_start),
        end=ctx.t.time(unit.window_end),
    )
    await show_menu(ctx, note=joined(greeting, points, ctx._(SIMPLE_MODE_HINT)))
