"""One owner for the + / − button payload: each screen showing it registers by ``where``.

The router keeps one handler per payload type, so the product card ("card") and the
cart ("cart") cannot both ``@on_button(Quantity)``; they ``@quantity_screen(...)`` here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.flows.context import Ctx
from bot.flows.payloads import Quantity
from bot.flows.router import expired, on_button

Screen = Callable[[Ctx, Quantity], Awaitable[None]]
S = TypeVar("S", bound=Screen)
_SCREENS: dict[str, Screen] = {}


def quantity_screen(where: str) -> Callable[[S], S]:
    """Register what + / − does on the screen named ``where`` ('card', 'cart')."""

    def register(handler: S) -> S:
        _SCREENS[where] = handler
        return handler

    return register


@on_button(Quantity)
async def change_quantity_pressed(ctx: Ctx, item: Quantity) -> None:
    """Hand the press to its screen; a screen nobody serves any more reads as expired."""
    handler = _SCREENS.get(item.where)
    if handler is None:
        await expired(ctx)
        return
    await handler(ctx, item)
