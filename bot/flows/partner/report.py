"""The partner's customer-value report: groups, the change since last week, top customers.

One screen a partner reads on the stairs: how many households are high value, potential
and lost (and how that moved since last week), the top few of each group, and the
suggested action per group with a button (bot/flows/partner/report_send). The chart and
the CSV are one tap each. Nothing here is per customer, so no id ever sits in a button.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.partner.home import PartnerScreen, home_button, partner_button, partner_screen
from bot.flows.replies import Document, InlineButton, Say
from bot.i18n import translator
from bot.messages.counts import signed
from core.models import Partner, Unit
from core.partners.reports.actions import ACTIONS, coupon_terms, sent_action, week_of
from core.partners.reports.chart import has_cjk_font, weekly_chart_png
from core.partners.reports.export import report_csv
from core.partners.reports.value import CustomerValue, Standing, ValueReport, value_report
from core.people.units import unit_by_id

TOP_SHOWN = 3


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


GROUPS = {
    Standing.HIGH_VALUE: _("⭐ High value"),
    Standing.POTENTIAL: _("🌱 Potential"),
    Standing.LOST: _("💤 Lost"),
    Standing.REGULAR: _("🙂 Regular"),
    Standing.NEW: _("🆕 Not ordered yet"),
}
# Chart legends: no emoji (the chart's fonts have none).
CHART_GROUPS = {
    Standing.HIGH_VALUE: _("High value"),
    Standing.POTENTIAL: _("Potential"),
    Standing.LOST: _("Lost"),
    Standing.REGULAR: _("Regular"),
    Standing.NEW: _("Not ordered yet"),
}
WHAT_THEY_ARE = {
    Standing.HIGH_VALUE: _("order often or spend a lot"),
    Standing.POTENTIAL: _("ordered recently, only once or twice"),
    Standing.LOST: _("no order for a month, or crates out and silent"),
}


@payload("pr1")
@dataclass(frozen=True)
class ReportChart:
    """The weekly chart as a picture."""


@payload("pr2")
@dataclass(frozen=True)
class ReportCsv:
    """Every customer of the report as a CSV file."""


@payload("pr3")
@dataclass(frozen=True)
class ReportPlan:
    """Preview a group's suggested action: who gets what."""

    standing: str


@payload("pr4")
@dataclass(frozen=True)
class ReportSend:
    """Send a group's action for the report week starting ``week`` (a date ordinal)."""

    standing: str
    week: int


def door(ctx: Ctx, row: CustomerValue) -> str:
    """ "3栋 1201 张阿姨" """
    parts = [row.building_label, row.room, row.display_name or ctx._("a customer")]
    return " ".join(part for part in parts if part)


def _top_line(ctx: Ctx, row: CustomerValue) -> str:
    """ "3栋 1201 张阿姨 · 8 orders · ¥560.00 · 3 days ago" """
    orders = ctx.t.ngettext("{num} order", "{num} orders", row.orders).format(num=row.orders)
    parts = [door(ctx, row), orders, ctx.t.money(row.spend_fen)]
    if row.days_since_last is not None:
        parts.append(
            ctx.t.ngettext("{num} day ago", "{num} days ago", row.days_since_last).format(
                num=row.days_since_last
            )
        )
    return "  " + " · ".join(parts)


def _group_block(ctx: Ctx, report: ValueReport, standing: Standing) -> list[str]:
    """A group's headline with its change, what it means, and its top customers."""
    head = ctx._("{group}: {count} ({change} since last week)").format(
        group=ctx._(GROUPS[standing]),
        count=report.counts.get(standing, 0),
        change=signed(report.change(standing)),
    )
    lines = [head]
    if standing in WHAT_THEY_ARE:
        lines.append("  " + ctx._(WHAT_THEY_ARE[standing]))
    lines.extend(_top_line(ctx, row) for row in report.top.get(standing, [])[:TOP_SHOWN])
    return lines


def _suggestions(ctx: Ctx) -> list[str]:
    """The suggested action per group, with the coupon's terms."""
    terms = coupon_terms(ctx.uow)
    coupon = ctx._(
        "🌱 Potential: send them a {amount} coupon (orders from {minimum}, {days} days) "
        "so the second order comes soon."
    ).format(
        amount=ctx.t.money(terms.amount_fen),
        minimum=ctx.t.money(terms.min_spend_fen),
        days=terms.days,
    )
    visit = ctx._(
        "💤 Lost: visit them with a small gift; we ask them why they stopped ordering "
        "and tell you the answer."
    )
    return [ctx._("Suggested this week:"), coupon, visit]


def report_text(ctx: Ctx, report: ValueReport, unit: Unit | None) -> str:
    """The whole report as one message."""
    title = ctx._("📊 Your customers on {date}: {total} households").format(
        date=ctx.t.weekday_date(report.as_of), total=report.total
    )
    if report.total == 0:
        return "\n\n".join(
            [title, ctx._("No customers in your unit yet: invite your neighbours first.")]
        )
    blocks = [title]
    for standing in (Standing.HIGH_VALUE, Standing.POTENTIAL, Standing.LOST):
        blocks.append("\n".join(_group_block(ctx, report, standing)))
    rest = ctx._("Also {regular}: {count} · {new}: {newcount}").format(
        regular=ctx._(GROUPS[Standing.REGULAR]),
        count=report.counts.get(Standing.REGULAR, 0),
        new=ctx._(GROUPS[Standing.NEW]),
        newcount=report.counts.get(Standing.NEW, 0),
    )
    blocks.append(rest)
    blocks.append("\n".join(_suggestions(ctx)))
    return "\n\n".join(blocks)


ACTION_BUTTONS = {
    Standing.POTENTIAL: _("🎁 Coupon to potential"),
    Standing.LOST: _("🤝 Visit the lost"),
}


async def _action_buttons(ctx: Ctx, partner: Partner, report: ValueReport) -> list[InlineButton]:
    """One per group with something to do; ✅ once this week's was sent."""
    buttons = []
    for standing in ACTIONS:
        if report.counts.get(standing, 0) == 0:
            continue
        label = ctx._(ACTION_BUTTONS[standing])
        if await sent_action(ctx.uow, partner, standing, week_of(report.as_of)) is not None:
            label = "✅ " + label
        buttons.append(ctx.button(label, ReportPlan(standing.value)))
    return buttons


async def partner_unit(ctx: Ctx, partner: Partner) -> Unit | None:
    """The partner's unit."""
    return await unit_by_id(ctx.uow, partner.unit_id)


@partner_screen("report", _("📊 Customer report"), 50)
async def open_report(ctx: Ctx, partner: Partner, page: int = 0) -> None:
    """This week's report of the partner's unit, with its chart, CSV and action buttons."""
    report = await value_report(ctx.uow, partner.unit_id)
    text = report_text(ctx, report, await partner_unit(ctx, partner))
    buttons: list[InlineButton] = []
    if report.total:
        buttons += [
            ctx.button(ctx._("📈 Chart"), ReportChart()),
            ctx.button(ctx._("📄 CSV file"), ReportCsv()),
        ]
        buttons += await _action_buttons(ctx, partner, report)
    buttons.append(home_button(ctx))
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    ctx.show(text, rows)


def chart_labels(ctx: Ctx) -> tuple[str, dict[str, str]]:
    """Title and series labels: the partner's language when the machine can draw it.

    Without a CJK font matplotlib draws Chinese as empty boxes, so the chart then speaks
    English (the caption under it is still in the partner's language).
    """
    words = ctx.t if has_cjk_font() else translator("en")
    labels = {standing.value: words.gettext(CHART_GROUPS[standing]) for standing in Standing}
    labels["orders"] = words.gettext("Orders delivered")
    labels["customers"] = words.gettext("Households")
    return words.gettext("Your unit, week by week"), labels


@partner_button(ReportChart)
async def send_chart(ctx: Ctx, partner: Partner, _item: ReportChart) -> None:
    """Weekly orders as bars and households per group as lines."""
    report = await value_report(ctx.uow, partner.unit_id)
    title, labels = chart_labels(ctx)
    caption = ctx._("📈 Bars: orders delivered each week. Lines: households in each group.")
    ctx.replies.append(Say(caption, image=weekly_chart_png(report, title=title, labels=labels)))
    ctx.toast(ctx._("Here is your chart."))


@partner_button(ReportCsv)
async def send_csv(ctx: Ctx, partner: Partner, _item: ReportCsv) -> None:
    """Every customer with group, orders, spend and crates, for a spreadsheet."""
    report = await value_report(ctx.uow, partner.unit_id)
    unit = await partner_unit(ctx, partner)
    code = unit.code if unit else "unit"
    ctx.replies.append(
        Document(
            content=report_csv(report),
            filename=f"linli-{code}-customers-{report.as_of.isoformat()}.csv",
            caption=ctx._("📄 All your customers with their group (opens in Excel or WPS)."),
        )
    )
    ctx.toast(ctx._("Here is your file."))


def back_to_report(ctx: Ctx) -> InlineButton:
    """Back to the report screen."""
    return ctx.button(ctx._("◀️ Back to the report"), PartnerScreen("report"))
