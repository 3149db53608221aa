"""Settings: language, simple (guided) mode, which messages to get, address, phone, household.

One message, edited in place as the customer taps. Address, phone and household borrow
the onboarding steps with ``back="settings"`` so they come back here when done.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.household import ask_household, household_summary
from bot.flows.customer.menu import section
from bot.flows.customer.onboarding import (
    ASK_LANGUAGE,
    BACK,
    BACK_TO_SETTINGS,
    LANGUAGES,
    TO_SETTINGS,
    ask_building,
    ask_phone,
    joined,
    onboarding,
    unit_name,
)
from bot.flows.payloads import Menu, PickLanguage
from bot.flows.payloads import Settings as SettingsButton
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button
from core.people.customers import OPT_OUT_TOPICS, opt_outs, set_opt_out
from core.people.units import building_by_id, unit_by_id


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


TOPICS = {
    "deals": _("Deals and offers"),
    "notices": _("Notices about your building"),
    "events": _("Neighbourhood events"),
    "reminders": _("Reminders (order cutoff, crates)"),
    "winback": _("“We miss you” offers"),
    "reports": _("Savings summaries"),
}
MESSAGES_HELP = _(
    "Which messages would you like from us? ✅ means we send them, ❌ means we don't. "
    "Order updates and your partner's replies always reach you."
)
NOT_SET = _("not set yet")
SIMPLE_ON = _("Simple mode is on: big buttons, one question at a time.")
SIMPLE_OFF = _("Simple mode is off.")


async def show_settings(ctx: Ctx, *, note: str | None = None) -> None:
    """The settings screen: what is set now, and a button to change each thing."""
    customer = ctx.customer
    if customer.unit_id is None:
        await onboarding(ctx)
        return
    ctx.chat.go("idle")
    unit = await unit_by_id(ctx.uow, customer.unit_id)
    building = (
        await building_by_id(ctx.uow, customer.building_id)
        if customer.building_id is not None
        else None
    )
    if unit is not None and building is not None and customer.room:
        address = f"{unit_name(ctx, unit)} {building.label} {customer.room}"
    else:
        address = ctx._(NOT_SET)
    language = dict(LANGUAGES).get(ctx.t.locale, ctx.t.locale)
    simple = ctx._("on") if customer.guided else ctx._("off")
    lines = [
        ctx._("⚙️ Settings"),
        ctx._("🌐 Language: {language}").format(language=language),
        ctx._("🏠 Address: {address}").format(address=address),
        ctx._("📱 Phone: {phone}").format(phone=customer.phone or ctx._(NOT_SET)),
        ctx._("👵 Simple mode: {state}").format(state=simple),
        ctx._("👪 Household: {household}").format(household=household_summary(ctx, customer)),
    ]
    toggle = (
        ctx._("👵 Turn simple mode off") if customer.guided else ctx._("👵 Turn simple mode on")
    )
    rows = (
        (
            ctx.button(ctx._("🌐 Language"), SettingsButton("language")),
            ctx.button(toggle, SettingsButton("guided")),
        ),
        (
            ctx.button(ctx._("🔔 Messages"), SettingsButton("messages")),
            ctx.button(ctx._("👪 Household"), SettingsButton("household")),
        ),
        (
            ctx.button(ctx._("🏠 Change address"), SettingsButton("address")),
            ctx.button(ctx._("📱 Change phone"), SettingsButton("phone")),
        ),
        *_link_row(ctx),
        (ctx.button(ctx._("◀ Menu"), Menu("menu")),),
    )
    ctx.show(joined(note, "\n".join(lines)), rows)


def _link_row(ctx: Ctx) -> tuple[tuple[InlineButton, ...], ...]:
    """Outside Telegram: a way to use the same account in Telegram too."""
    if ctx.incoming.channel == "telegram":
        return ()
    from bot.flows.customer.web_links import LINK_LABEL

    return ((ctx.button(ctx._(LINK_LABEL), SettingsButton("link")),),)


@section("settings")
async def settings_section(ctx: Ctx) -> None:
    """The main menu's ⚙️ Settings."""
    await show_settings(ctx)


async def _show_messages(ctx: Ctx) -> None:
    """One toggle per topic: ✅ we send these, ❌ the customer said no."""
    refused = await opt_outs(ctx.uow, ctx.customer.id)
    rows: list[tuple[InlineButton, ...]] = []
    for topic in OPT_OUT_TOPICS:
        label = ctx._(TOPICS.get(topic, topic))
        if topic in refused:
            rows.append((ctx.button(f"❌ {label}", SettingsButton("optin", topic)),))
        else:
            rows.append((ctx.button(f"✅ {label}", SettingsButton("optout", topic)),))
    rows.append((ctx.button(ctx._(BACK_TO_SETTINGS), SettingsButton("view")),))
    ctx.show(ctx._(MESSAGES_HELP), tuple(rows))


def _show_languages(ctx: Ctx) -> None:
    """中文 or English; the choice is handled with onboarding's language step."""
    row = tuple(ctx.button(label, PickLanguage(code)) for code, label in LANGUAGES)
    back = (ctx.button(ctx._(BACK_TO_SETTINGS), SettingsButton("view")),)
    ctx.show(ctx._(ASK_LANGUAGE), (row, back))


async def _toggle_simple_mode(ctx: Ctx) -> None:
    """Turning it on starts the guided order at once; turning it off hides its big keys."""
    customer = ctx.customer
    customer.guided = not customer.guided
    if not customer.guided:
        await show_settings(ctx)
        ctx.say(ctx._(SIMPLE_OFF), remove_keyboard=True)
        return
    from bot.flows.guided.start import start_guided

    await start_guided(ctx, note=ctx._(SIMPLE_ON))


@on_button(SettingsButton)
async def settings_pressed(ctx: Ctx, item: SettingsButton) -> None:
    """Every settings button: show a sub-screen, toggle, or start a change."""
    if ctx.customer.unit_id is None:
        await onboarding(ctx)
        return
    action = item.action
    if action == "view":
        await show_settings(ctx)
    elif action == "language":
        ctx.chat.go("idle")
        _show_languages(ctx)
    elif action == "guided":
        await _toggle_simple_mode(ctx)
    elif action == "messages":
        ctx.chat.go("idle")
        await _show_messages(ctx)
    elif action in ("optout", "optin") and item.arg in OPT_OUT_TOPICS:
        await set_opt_out(ctx.uow, ctx.customer, item.arg, opted_out=action == "optout")
        await _show_messages(ctx)
    elif action == "address":
        ctx.chat.go("idle", **{BACK: TO_SETTINGS})
        await ask_building(ctx, ctx.customer.unit_id)
    elif action == "phone":
        ctx.chat.go("idle", **{BACK: TO_SETTINGS})
        await ask_phone(ctx)
    elif action == "link" and ctx.incoming.channel != "telegram":
        from bot.flows.customer.web_links import show_link_code

        await show_link_code(ctx)
    elif action == "household":
        ctx.chat.go("idle", **{BACK: TO_SETTINGS})
        await ask_household(ctx)
    else:
        await expired(ctx)
