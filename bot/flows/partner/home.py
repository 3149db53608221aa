"""The partner cockpit's home: one screen of big buttons, reachable by partners only.

Partners are registered by HQ (``linli partner add``) with their Telegram account; the
same bot serves them as customers too. ``/partner`` (and ``/start`` or ``/menu`` without
arguments, for a partner) opens the home; each cockpit screen registers itself here with
``partner_screen`` and gets a button. Every partner button goes through
``partner_button``: whoever is not an active partner (a customer, a retired partner, a
forged payload) gets "this button has expired" and nothing happens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.customer.menu import show_menu
from bot.flows.customer.onboarding import unit_name
from bot.flows.partner.relay import sending_partner
from bot.flows.payloads import Menu
from bot.flows.replies import InlineButton, InlineKeyboard
from bot.flows.router import expired, on_button, on_command
from core.models import Partner
from core.people.units import unit_by_id

Screen = Callable[[Ctx, Partner, int], Awaitable[None]]
P = TypeVar("P")
PartnerHandler = Callable[[Ctx, Partner, Any], Awaitable[None]]


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


@payload("ph1")
@dataclass(frozen=True)
class PartnerScreen:
    """Open a cockpit screen (``home`` or a registered one) at a page."""

    screen: str
    page: int = 0


@dataclass(frozen=True)
class _Entry:
    label: str
    order: int
    open: Screen


_SCREENS: dict[str, _Entry] = {}

NOT_A_PARTNER = _(
    "This part of Linli is for neighbourhood partners. "
    "If you would like to become one, please tell us through “My partner”."
)


def partner_screen(name: str, label: str, order: int) -> Callable[[Screen], Screen]:
    """Register a cockpit screen; its button on the home sorts by ``order``."""

    def register(handler: Screen) -> Screen:
        _SCREENS[name] = _Entry(label=label, order=order, open=handler)
        return handler

    return register


def partner_button(kind: type[P]) -> Callable[[PartnerHandler], PartnerHandler]:
    """Register a button handler that runs for the sending active partner only."""

    def register(handler: PartnerHandler) -> PartnerHandler:
        async def guarded(ctx: Ctx, item: Any) -> None:
            partner = await sending_partner(ctx)
            if partner is None:
                await expired(ctx)
                return
            await handler(ctx, partner, item)

        on_button(kind)(guarded)
        return handler

    return register


def home_button(ctx: Ctx) -> InlineButton:
    """The way back to the cockpit home from any partner screen."""
    return ctx.button(ctx._("🏠 Partner home"), PartnerScreen("home"))


def rows_of_two(buttons: list[InlineButton]) -> InlineKeyboard:
    """Thumb-sized layout: at most two buttons a row."""
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


async def show_home(ctx: Ctx, partner: Partner, *, note: str | None = None) -> None:
    """Greeting, the unit, and one button per cockpit screen, then "shop as a customer"."""
    ctx.chat.go("idle")
    unit = await unit_by_id(ctx.uow, partner.unit_id)
    text = ctx._("Hello {name}, partner of {unit}. What would you like to do?").format(
        name=partner.name, unit=unit_name(ctx, unit) if unit else ""
    )
    if note:
        text = f"{note}\n\n{text}"
    entries = sorted(_SCREENS.items(), key=lambda item: item[1].order)
    buttons = [ctx.button(ctx._(entry.label), PartnerScreen(name)) for name, entry in entries]
    buttons.append(ctx.button(ctx._("🛒 Shop as a customer"), Menu("menu")))
    ctx.show(text, rows_of_two(buttons))


async def open_home_if_partner(ctx: Ctx) -> bool:
    """For ``/start`` and ``/menu``: a partner lands on the cockpit; True when shown."""
    partner = await sending_partner(ctx)
    if partner is None:
        return False
    await show_home(ctx, partner)
    return True


@on_command("partner")
async def partner_command(ctx: Ctx) -> None:
    """``/partner``: the cockpit, or a kind word to someone who is not a partner."""
    if await open_home_if_partner(ctx):
        return
    await show_menu(ctx, note=ctx._(NOT_A_PARTNER))


@partner_button(PartnerScreen)
async def open_screen(ctx: Ctx, partner: Partner, item: PartnerScreen) -> None:
    """A cockpit button: the named screen at its page, or home for anything unknown."""
    entry = _SCREENS.get(item.screen)
    if entry is None or item.page < 0:
        await show_home(ctx, partner)
        return
    ctx.chat.go("idle")
    await entry.open(ctx, partner, item.page)
