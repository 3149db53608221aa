"""The main menu: the place every flow returns to, and the answer to anything unclaimed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.flows.context import Ctx
from bot.flows.payloads import Menu
from bot.flows.replies import InlineKeyboard
from bot.flows.router import fallback, on_button, on_command

F = TypeVar("F", bound=Callable[[Ctx], Awaitable[None]])
_SECTIONS: dict[str, Callable[[Ctx], Awaitable[None]]] = {}

SECTION_ORDER = ("shop", "deals", "search", "cart", "orders", "crates", "partner", "settings")


def section(name: str) -> Callable[[F], F]:
    """Register the screen a main-menu button opens."""

    def register(handler: F) -> F:
        _SECTIONS[name] = handler
        return handler

    return register


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


LABELS = {
    "shop": _("🛒 Shop"),
    "deals": _("🔥 Deals zone"),
    "search": _("🔍 Search"),
    "cart": _("🧺 Cart"),
    "orders": _("📦 My orders"),
    "crates": _("♻️ Crates"),
    "partner": _("💬 My partner"),
    "settings": _("⚙️ Settings"),
}


def label(ctx: Ctx, name: str) -> str:
    """A main-menu section's label in the customer's language (for buttons elsewhere)."""
    return ctx._(LABELS[name])


def menu_buttons(ctx: Ctx) -> InlineKeyboard:
    """Two buttons a row, in the order a shopper uses them."""
    buttons = [ctx.button(ctx._(LABELS[name]), Menu(name)) for name in SECTION_ORDER]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


async def show_menu(ctx: Ctx, *, note: str | None = None) -> None:
    """Show the main menu (editing the pressed message when there is one)."""
    text = ctx._("What would you like to do?")
    if note:
        text = f"{note}\n\n{text}"
    ctx.chat.go("idle")
    ctx.show(text, menu_buttons(ctx))


@fallback
async def unclaimed(ctx: Ctx) -> None:
    """Anything no step wanted: the menu, never an error."""
    if ctx.customer.unit_id is None:
        start = _SECTIONS.get("onboarding")
        if start is not None:
            await start(ctx)
            return
    await show_menu(ctx)


@on_command("menu")
async def menu_command(ctx: Ctx) -> None:
    """``/menu``: back to the start screen from anywhere (a partner's is the cockpit)."""
    from bot.flows.partner.home import open_home_if_partner  # it imports this module

    if await open_home_if_partner(ctx):
        return
    await show_menu(ctx)


@on_command("help")
async def help_command(ctx: Ctx) -> None:
    """``/help``: what Linli is, in two sentences, then the menu."""
    await show_menu(
        ctx,
        note=ctx._(
            "Linli brings supermarket groceries to your door, cheaper than the supermarket. "
            "Order before 15:00 and your partner delivers the same evening, 18:00–21:00."
        ),
    )


@on_button(Menu)
async def open_section(ctx: Ctx, item: Menu) -> None:
    """A main-menu button; it always leaves whatever step the chat was in."""
    ctx.chat.go("idle")
    handler = _SECTIONS.get(item.section)
    if handler is None:
        await show_menu(ctx)
        return
    await handler(ctx)
