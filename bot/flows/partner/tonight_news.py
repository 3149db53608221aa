"""Order news for households on their own channel: on the way, the door before yours is
done, delivered; and the partner's pings for a crate pickup and a low rating.

These are one person's messages about their own order, so they go at once through the
direct path (``ctx.forward``: the Telegram renderer, or the web chat's transcript and its
open pages), to the identity the customer used last
(``core.people.customers.newest_identity``), not through the broadcast outbox: no
opt-out applies to them and no rate limit worth a queue (a run has tens of doors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.flows.context import Ctx
from bot.flows.partner.home import partner_button
from bot.flows.partner.tonight_payloads import TonightGo, TonightRun
from bot.flows.replies import Forward
from bot.flows.router import t_for
from bot.i18n import Translator
from core.delivery.batches import run_sheet
from core.delivery.crates import balance
from core.delivery.run_news import Door, doors_waiting, next_door, start_run
from core.models import Partner
from core.people.customers import customer_by_id, newest_identity
from core.platform.clock import local_now


def _tonight(ctx: Ctx) -> dt.date:
    """Today in business time (tonight's run)."""
    return local_now(ctx.uow.clock, ctx.uow.settings.tz).date()


async def _tell(ctx: Ctx, customer_id: int, text_of: Callable[[Translator], str]) -> bool:
    """Send the customer a message in their language on the identity they used last."""
    customer = await customer_by_id(ctx.uow, customer_id)
    identity = await newest_identity(ctx.uow, customer_id)
    if customer is None or identity is None:
        return False
    t = t_for(customer.locale)
    text = text_of(t)
    ctx.forward(Forward(channel=identity.channel, chat_id=identity.external_id, text=text))
    return True


def on_the_way_text(t: Translator, partner: Partner, door: Door) -> str:
    """ "🚚 Out for delivery: your partner Wang is in building 12, 3 stops before you." """
    building = door.partner_building or "—"
    if door.ahead == 0:
        return t.gettext(
            "🚚 Out for delivery: your partner {name} is in building {building}, "
            "and yours is the next door. Please be ready!"
        ).format(name=partner.name, building=building)
    return t.ngettext(
        "🚚 Out for delivery: your partner {name} is in building {building}, "
        "{num} stop before you.",
        "🚚 Out for delivery: your partner {name} is in building {building}, "
        "{num} stops before you.",
        door.ahead,
    ).format(name=partner.name, building=building, num=door.ahead)


def delivered_text(t: Translator, order_no: str, crates: int) -> str:
    """ "✅ Order A123 delivered. 2 crates with you now." """
    done = t.gettext("✅ Order {order} delivered. Enjoy!").format(order=order_no)
    if crates <= 0:
        return done
    held = t.ngettext(
        "{num} Linli crate is with you now; your partner takes it back next time.",
        "{num} Linli crates are with you now; your partner takes them back next time.",
        crates,
    ).format(num=crates)
    return f"{done}\n{held}"


def _on_the_way(partner: Partner, door: Door) -> Callable[[Translator], str]:
    """The on-the-way words for one door, in whichever language."""
    return lambda t: on_the_way_text(t, partner, door)


@partner_button(TonightGo)
async def go(ctx: Ctx, partner: Partner, item: TonightGo) -> None:
    """Tonight's orders leave; each household still waiting hears how many doors come first."""
    from bot.flows.partner.tonight import show_run_sheet  # the screen imports this module

    day = _tonight(ctx)
    moved = set(await start_run(ctx.uow, partner, day))
    told = 0
    if moved:
        sheet = await run_sheet(ctx.uow, partner.unit_id, day)
        for door in doors_waiting(sheet):
            if door.stop.order_id not in moved:
                continue
            if await _tell(ctx, door.stop.customer_id, _on_the_way(partner, door)):
                told += 1
    note = ctx.t.ngettext(
        "🚚 On the way: {num} household told.", "🚚 On the way: {num} households told.", told
    ).format(num=told)
    await show_run_sheet(ctx, partner, TonightRun(item.page), note=note)


async def after_delivery(ctx: Ctx, partner: Partner, order_id: int, customer_id: int) -> None:
    """The household just served hears it is done (and how many crates it holds now); the
    next door hears the partner is close."""
    order_no = ""
    sheet = await run_sheet(ctx.uow, partner.unit_id, _tonight(ctx))
    for stop in sheet.stops:
        if stop.order_id == order_id:
            order_no = stop.order_no or ""
    crates = await balance(ctx.uow, customer_id)
    await _tell(ctx, customer_id, lambda t: delivered_text(t, order_no, crates))
    door = next_door(sheet, order_id)
    if door is not None:
        await _tell(ctx, door.stop.customer_id, _on_the_way(partner, door))
