"""A line to a unit's partner (a crate pickup booked, a low rating), in their language.

Partners are reached in their Telegram chat, which a partner signed in on the web also
sees (``bot.handlers.webchat.WebChat.forward``), like the new-order ping of checkout.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.replies import Forward
from bot.i18n import Translator, translator
from core.people.units import active_partner

PARTNER_LOCALE = "zh_CN"  # partners read Chinese, as their other pings


def partner_t(ctx: Ctx) -> Translator:
    """The partners' language, in business time."""
    return translator(PARTNER_LOCALE, timezone=ctx.uow.settings.timezone)


async def ping_partner_of(ctx: Ctx, unit_id: int | None, text: str) -> None:
    """Send ``text`` to the unit's active partner; nothing when the unit has none."""
    if unit_id is None:
        return
    partner = await active_partner(ctx.uow, unit_id)
    if partner is None or partner.telegram_id is None:
        return
    ctx.forward(Forward(channel="telegram", chat_id=str(partner.telegram_id), text=text))
