"""The report's one-tap actions: preview who gets what, then send it once this week.

Potential customers get a coupon code for the unit (core/partners/reports/actions); lost ones a
note that the partner will drop by with a small gift, and the "why did you stop
ordering?" question of bot/flows/partner/winback, with the visit booked as a crate pickup when
they hold crates (so it is on that evening's run sheet). Each message goes to the
customer's own chat in their language. The preview names everyone first; the send
button carries the report week, so a button from last week's report refuses kindly
instead of sending this week's action by surprise.
"""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.partner.home import home_button, partner_button
from bot.flows.partner.report import (
    ACTION_BUTTONS,
    GROUPS,
    ReportPlan,
    ReportSend,
    back_to_report,
    door,
    open_report,
)
from bot.flows.partner.winback import ask_why_stopped
from bot.flows.replies import Forward
from bot.i18n import translator
from core.errors import CrateError
from core.models import Partner, ReportAction
from core.orders.promotions import code_of
from core.partners.reports.actions import (
    ACTIONS,
    claim_action,
    coupon_terms,
    make_coupon,
    recipients,
    sent_action,
    week_of,
)
from core.partners.reports.value import CustomerValue, Standing, value_report
from core.partners.winback import next_visit_day, schedule_visit
from core.people.customers import locales_of, newest_identities
from core.people.units import unit_by_id


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


COUPON_MESSAGE = _(
    "🎁 Your partner {name} sends you a thank-you: {amount} off your next order of "
    "{minimum} or more. Type the code {code} in your cart (until {until})."
)
GIFT_ASK = _(
    "Your partner {name} misses you and will drop by on {day} with a small gift. "
    "May we ask why you stopped ordering?"
)
SHOWN = 12


def _standing(item: ReportPlan | ReportSend) -> Standing | None:
    """The group of a button, if it is one with an action."""
    try:
        standing = Standing(item.standing)
    except ValueError:
        return None
    return standing if standing in ACTIONS else None


def _names(ctx: Ctx, people: list[CustomerValue]) -> str:
    """The first doors, then "and 8 more"."""
    lines = [f"• {door(ctx, row)}" for row in people[:SHOWN]]
    if len(people) > SHOWN:
        more = len(people) - SHOWN
        lines.append(ctx.t.ngettext("and {num} more", "and {num} more", more).format(num=more))
    return "\n".join(lines)


async def _already_sent(ctx: Ctx, partner: Partner, action: ReportAction) -> str:
    """ "Sent on Mon, Nov 23 to 18 households (code HX…)." """
    text = ctx.t.ngettext(
        "Already sent this week, on {date}, to {num} household.",
        "Already sent this week, on {date}, to {num} households.",
        action.recipients,
    ).format(date=ctx.t.weekday_date(action.created_at), num=action.recipients)
    if action.promotion_id is not None:
        code = await code_of(ctx.uow, action.promotion_id)
        text += " " + ctx._("The code is {code}.").format(code=code)
    return text


async def _visit_day(ctx: Ctx, partner: Partner) -> dt.date:
    """The evening the partner's visits go on: the next run sheet still open."""
    unit = await unit_by_id(ctx.uow, partner.unit_id)
    if unit is None:  # unreachable: a partner's unit is never deleted
        return ctx.uow.clock.now().date()
    return next_visit_day(ctx.uow, unit)


async def _sample(ctx: Ctx, partner: Partner, standing: Standing) -> str:
    """The message they will read (in the partner's language here)."""
    if standing is Standing.POTENTIAL:
        terms = coupon_terms(ctx.uow)
        return ctx._(COUPON_MESSAGE).format(
            name=partner.name,
            amount=ctx.t.money(terms.amount_fen),
            minimum=ctx.t.money(terms.min_spend_fen),
            code="HX······",
            until=ctx.t.weekday_date(ctx.uow.clock.now() + dt.timedelta(days=terms.days - 1)),
        )
    day = ctx.t.weekday_date(await _visit_day(ctx, partner))
    return ctx._(GIFT_ASK).format(name=partner.name, day=day)


@partner_button(ReportPlan)
async def preview(ctx: Ctx, partner: Partner, item: ReportPlan) -> None:
    """Who would get the group's action, and the message they would read."""
    standing = _standing(item)
    if standing is None:
        await open_report(ctx, partner)
        return
    report = await value_report(ctx.uow, partner.unit_id)
    week = week_of(report.as_of)
    back = (back_to_report(ctx), home_button(ctx))
    done = await sent_action(ctx.uow, partner, standing, week)
    if done is not None:
        ctx.show(await _already_sent(ctx, partner, done), (back,))
        return
    people = await recipients(ctx.uow, partner, report, standing)
    group = ctx._(GROUPS[standing])
    if not people:
        text = ctx._(
            "Nobody to send to in {group} this week (or they turned these messages off)."
        ).format(group=group)
        ctx.show(text, (back,))
        return
    head = ctx.t.ngettext(
        "{action} for {num} household of {group}, most valuable first:",
        "{action} for {num} households of {group}, most valuable first:",
        len(people),
    ).format(action=ctx._(ACTION_BUTTONS[standing]), num=len(people), group=group)
    sample = ctx._("They will read:") + "\n" + await _sample(ctx, partner, standing)
    text = "\n\n".join([head, _names(ctx, people), sample])
    send = ctx.button(
        ctx.t.ngettext(
            "✅ Send to {num} household", "✅ Send to {num} households", len(people)
        ).format(num=len(people)),
        ReportSend(standing.value, week.toordinal()),
    )
    ctx.show(text, ((send,), back))


async def _send_coupon(
    ctx: Ctx, partner: Partner, action: ReportAction, people: list[CustomerValue]
) -> str:
    """The code, and one message per recipient in their language."""
    promotion = await make_coupon(ctx.uow, partner, action, len(people))
    terms = coupon_terms(ctx.uow)
    until = promotion.valid_until or ctx.uow.clock.now()
    chats = await newest_identities(ctx.uow, [row.customer_id for row in people])
    locales = await locales_of(ctx.uow, list(chats))
    sent = 0
    for row in people:
        chat = chats.get(row.customer_id)
        if chat is None:
            continue
        theirs = translator(locales.get(row.customer_id), timezone=ctx.uow.settings.timezone)
        text = theirs.gettext(COUPON_MESSAGE).format(
            name=partner.name,
            amount=theirs.money(terms.amount_fen),
            minimum=theirs.money(terms.min_spend_fen),
            code=promotion.code,
            until=theirs.weekday_date(until),
        )
        ctx.forward(Forward(channel=chat.channel, chat_id=chat.external_id, text=text))
        sent += 1
    action.recipients = sent
    return ctx.t.ngettext(
        "✅ Coupon {code} sent to {num} household. It works once each, until {until}.",
        "✅ Coupon {code} sent to {num} households. It works once each, until {until}.",
        sent,
    ).format(code=promotion.code, num=sent, until=ctx.t.weekday_date(until))


async def _send_visits(
    ctx: Ctx, partner: Partner, action: ReportAction, people: list[CustomerValue]
) -> str:
    """Book each visit (a crate pickup when they hold crates) and ask why they stopped."""
    day = await _visit_day(ctx, partner)
    asked, plan = 0, []
    for row in people:
        visit_day = day
        if row.crates_held > 0:
            try:
                visit_day = (await schedule_visit(ctx.uow, partner, row.customer_id)).day
            except CrateError:  # returned them since the report was built
                visit_day = day
        if await ask_why_stopped(ctx, row.customer_id, partner, visit_day, ask=GIFT_ASK):
            asked += 1
        plan.append(f"• {ctx.t.weekday_date(visit_day)} · {door(ctx, row)}")
    action.recipients = asked
    head = ctx.t.ngettext(
        "✅ {num} household told you will drop by with a small gift, and asked why they "
        "stopped ordering. Your visits:",
        "✅ {num} households told you will drop by with a small gift, and asked why they "
        "stopped ordering. Your visits:",
        asked,
    ).format(num=asked)
    note = ctx._("Visits with crates to collect are on that evening's run sheet.")
    return "\n".join([head, *plan, "", note])


@partner_button(ReportSend)
async def send(ctx: Ctx, partner: Partner, item: ReportSend) -> None:
    """Send the group's action once this week; a repeat says when it went."""
    standing = _standing(item)
    if standing is None:
        await open_report(ctx, partner)
        return
    report = await value_report(ctx.uow, partner.unit_id)
    week = week_of(report.as_of)
    back = (back_to_report(ctx), home_button(ctx))
    if item.week != week.toordinal():
        await open_report(ctx, partner)
        ctx.toast(ctx._("That was last week's report: here is this week's."), alert=True)
        return
    people = await recipients(ctx.uow, partner, report, standing)
    action = await claim_action(ctx.uow, partner, standing, week, len(people))
    if action is None:
        done = await sent_action(ctx.uow, partner, standing, week)
        text = await _already_sent(ctx, partner, done) if done else ctx._("Already sent.")
        ctx.show(text, (back,))
        return
    if standing is Standing.POTENTIAL:
        text = await _send_coupon(ctx, partner, action, people)
    else:
        text = await _send_visits(ctx, partner, action, people)
    ctx.show(text, (back,))
