"""The report's one-tap actions: a coupon for potential customers, a visit for lost ones.

Who receives it: the group's customers most valuable first (the report's order), at
most ``MAX_RECIPIENTS`` (a partner can visit or follow up that many in a week, and a
broadcast to more belongs to the scheduled notices), without those who turned the
message's topic off and without the partner's own customer account. An action is sent
once per partner, group and report week: the unique ``report_actions`` row is claimed
first, so a double tap, a retried update or two processes send it once.

The coupon is a promo code for the partner's unit only, one use per customer, capped at
the number of recipients and valid ``report_coupon_days`` days: a code rather than a
per-person coupon because it reads out on the stairs as well as in the chat.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.models import ChannelIdentity, MessageOptOut, Partner, Promotion, ReportAction
from core.money import yuan_str
from core.partners.reports.value import CustomerValue, Standing, ValueReport
from core.platform.clock import local_now
from core.platform.uow import UnitOfWork

MAX_RECIPIENTS = 50
ACTIONS = (Standing.POTENTIAL, Standing.LOST)
# The topic a customer turns off in Settings to stop each action's message.
TOPIC = {Standing.POTENTIAL: "deals", Standing.LOST: "winback"}
CODE_PREFIX = "HX"
_CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the door


@dataclass(frozen=True)
class CouponTerms:
    """What the potential customers' coupon gives, from the settings."""

    amount_fen: int
    min_spend_fen: int
    days: int


def coupon_terms(uow: UnitOfWork) -> CouponTerms:
    """``LINLI_REPORT_COUPON_*``."""
    settings = uow.settings
    return CouponTerms(
        amount_fen=settings.report_coupon_fen,
        min_spend_fen=settings.report_coupon_min_spend_fen,
        days=settings.report_coupon_days,
    )


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: the key an action is sent once under."""
    return day - dt.timedelta(days=day.weekday())


async def _opted_out(uow: UnitOfWork, customer_ids: list[int], topic: str) -> set[int]:
    """Which of these customers turned ``topic`` off."""
    if not customer_ids:
        return set()
    rows = await uow.session.scalars(
        select(MessageOptOut.customer_id).where(
            MessageOptOut.customer_id.in_(customer_ids), MessageOptOut.topic == topic
        )
    )
    return set(rows)


async def _own_accounts(uow: UnitOfWork, partner: Partner) -> set[int]:
    """The partner's own customer account(s): never a recipient of their own offer."""
    if partner.telegram_id is None:
        return set()
    rows = await uow.session.scalars(
        select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "telegram",
            ChannelIdentity.external_id == str(partner.telegram_id),
        )
    )
    return set(rows)


async def recipients(
    uow: UnitOfWork, partner: Partner, report: ValueReport, standing: Standing
) -> list[CustomerValue]:
    """The group's customers the action goes to, most valuable first, at most 50."""
    if standing not in TOPIC or report.unit_id != partner.unit_id:
        return []
    group = sorted(
        (row for row in report.customers if row.standing is standing),
        key=lambda row: (-row.spend_fen, -row.orders, row.customer_id),
    )
    ids = [row.customer_id for row in group]
    left_out = await _opted_out(uow, ids, TOPIC[standing]) | await _own_accounts(uow, partner)
    return [row for row in group if row.customer_id not in left_out][:MAX_RECIPIENTS]


async def sent_action(
    uow: UnitOfWork, partner: Partner, standing: Standing, week_start: dt.date
) -> ReportAction | None:
    """The action already sent for this group this week, if any."""
    return await uow.session.scalar(
        select(ReportAction).where(
            ReportAction.partner_id == partner.id,
            ReportAction.standing == standing.value,
            ReportAction.week_start == week_start,
        )
    )


async def claim_action(
    uow: UnitOfWork, partner: Partner, standing: Standing, week_start: dt.date, count: int
) -> ReportAction | None:
    """Record the action as sent; None when it was sent already (by a tap or a process).

    On PostgreSQL a concurrent claimer waits on the unique key until the first commits,
    then gets None; the caller sends nothing in that case.
    """
    action = ReportAction(
        partner_id=partner.id,
        unit_id=partner.unit_id,
        standing=standing.value,
        week_start=week_start,
        recipients=count,
        created_at=uow.clock.now(),
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(action)
    except IntegrityError:
        return None
    return action


def _new_code() -> str:
    """``HX`` and six letters or digits that cannot be misread."""
    return CODE_PREFIX + "".join(secrets.choice(_CODE_LETTERS) for _ in range(6))


async def make_coupon(
    uow: UnitOfWork, partner: Partner, action: ReportAction, count: int
) -> Promotion:
    """The unit-only code for this action's recipients, valid until the end of its last day."""
    terms = coupon_terms(uow)
    tz = uow.settings.tz
    now = uow.clock.now()
    last_day = local_now(uow.clock, tz).date() + dt.timedelta(days=terms.days - 1)
    until = dt.datetime.combine(last_day, dt.time(23, 59, 59), tz).astimezone(dt.UTC)
    amount, minimum = yuan_str(terms.amount_fen), yuan_str(terms.min_spend_fen)
    while True:
        code = _new_code()
        taken = await uow.session.scalar(select(Promotion.id).where(Promotion.code == code))
        if taken is None:
            break
    promotion = Promotion(
        code=code,
        kind="code",
        name_zh=f"邻里回馈：满{minimum}元减{amount}元",
        name_en=f"Neighbour thanks: {amount} yuan off {minimum}",
        benefit="amount_off",
        amount_off_fen=terms.amount_fen,
        min_spend_fen=terms.min_spend_fen,
        valid_from=now,
        valid_until=until,
        per_customer_limit=1,
        total_cap=max(count, 1),
        unit_id=partner.unit_id,
    )
    uow.session.add(promotion)
    await uow.session.flush()
    action.promotion_id = promotion.id
    return promotion
