"""Earnings: what the partner has earned this month, per kind of event, and past statements.

Figures come straight from the append-only ledger's statements (core/commissions), so
the screen and `linli statement` can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.partner.home import (
    PartnerScreen,
    home_button,
    partner_button,
    partner_screen,
    rows_of_two,
)
from bot.flows.replies import InlineKeyboard
from core.commissions.ledger import month_of_now
from core.commissions.statements import (
    MONTH_FORMAT,
    Statement,
    months_with_entries,
    statement,
    totals_by_kind,
)
from core.models import Partner
from core.models.commissions import (
    CLAWBACK_DELIVERY,
    CLAWBACK_NEW_CUSTOMER,
    DELIVERY,
    NEW_CUSTOMER,
    NEW_CUSTOMER_HELD,
    NEW_CUSTOMER_REJECTED,
    NEW_CUSTOMER_RELEASED,
)

LAST_ENTRIES = 5
PAST_MONTHS = 6


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


KIND_LABELS = {
    NEW_CUSTOMER: _("New customers"),
    DELIVERY: _("Deliveries"),
    CLAWBACK_NEW_CUSTOMER: _("Refunded first orders (new-customer fee back)"),
    CLAWBACK_DELIVERY: _("Refunded orders (delivery fee back)"),
    NEW_CUSTOMER_HELD: _("New households (fee held)"),
    NEW_CUSTOMER_RELEASED: _("New-household fees released"),
    NEW_CUSTOMER_REJECTED: _("New-household fees rejected by HQ"),
}


@payload("pe1")
@dataclass(frozen=True)
class EarningsMonth:
    """A past month's statement ("2026-11")."""

    month: str


def _summary(ctx: Ctx, sheet: Statement) -> list[str]:
    """Per kind: count and sum; then opening, earned, closing."""
    lines = []
    for kind, (count, fen, held) in totals_by_kind(sheet.lines).items():
        label = ctx._(KIND_LABELS.get(kind, kind))
        lines.append(f"· {label} ×{count}: {ctx.t.money(fen if fen or not held else held)}")
    if not sheet.lines:
        lines.append(ctx._("No entries this month yet."))
    lines.append(
        ctx._("Opening {opening} · this month {earned} · closing {closing}").format(
            opening=ctx.t.money(sheet.opening_fen),
            earned=ctx.t.money(sheet.earned_fen),
            closing=ctx.t.money(sheet.closing_fen),
        )
    )
    if sheet.closing_held_fen:
        lines.append(
            ctx._("Held {held}: paid once the hold passes or you confirm the household").format(
                held=ctx.t.money(sheet.closing_held_fen)
            )
        )
    return lines


def _recent(ctx: Ctx, sheet: Statement) -> list[str]:
    """The newest few entries, with the order number where there is one."""
    lines = [ctx._("Latest:")] if sheet.lines else []
    for line in sheet.lines[-LAST_ENTRIES:][::-1]:
        what = ctx._(KIND_LABELS.get(line.kind, line.kind))
        order = f" {line.order_no}" if line.order_no else ""
        fen = line.amount_fen if line.amount_fen or not line.held_fen else line.held_fen
        lines.append(f"· {what}{order}: {ctx.t.money(fen)}")
    return lines


async def _past_buttons(ctx: Ctx, partner: Partner, current: str) -> InlineKeyboard:
    """One button per earlier month with entries, then home."""
    months = await months_with_entries(ctx.uow, partner.id, current)
    buttons = [
        ctx.button(ctx._("📄 Statement {month}").format(month=month), EarningsMonth(month))
        for month in months[:PAST_MONTHS]
    ]
    buttons.append(home_button(ctx))
    return rows_of_two(buttons)


@partner_screen("earnings", _("💰 Earnings"), 40)
async def show_earnings(ctx: Ctx, partner: Partner, page: int) -> None:
    """This month so far, per kind of event and the latest entries."""
    month = month_of_now(ctx.uow)
    sheet = await statement(ctx.uow, partner.id, month)
    title = ctx._("💰 Earnings in {month}").format(month=month)
    text = "\n".join([title, *_summary(ctx, sheet), *_recent(ctx, sheet)])
    ctx.show(text, await _past_buttons(ctx, partner, month))


@partner_button(EarningsMonth)
async def show_past_month(ctx: Ctx, partner: Partner, item: EarningsMonth) -> None:
    """A past month's statement; a malformed month goes back to this month."""
    if not MONTH_FORMAT.fullmatch(item.month):
        await show_earnings(ctx, partner, 0)
        return
    sheet = await statement(ctx.uow, partner.id, item.month)
    text = "\n".join(
        [ctx._("📄 Statement for {month}").format(month=item.month), *_summary(ctx, sheet)]
    )
    back = ctx.button(ctx._("💰 This month"), PartnerScreen("earnings"))
    ctx.show(text, ((back, home_button(ctx)),))
