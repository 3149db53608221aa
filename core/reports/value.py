"""The customer-value report: the unit's customers grouped by recency, frequency and spend.

Groups (checked in this order, the first that fits wins; thresholds are ``LINLI_REPORT_*``
settings, see README):

- ``new``: in the unit but no delivered order yet (bound, never ordered).
- ``lost``: the last delivered order is ``lost_days`` (30) or more days ago, or the customer
  holds crates and nothing happened for ``silent_crate_days`` (14) or more: no delivered
  order and no crate issued since (the later of the two counts).
- ``high_value``: within the last ``high_value_days`` (90, today included) at least
  ``high_value_min_orders`` (6) delivered orders or at least ``high_value_min_fen``
  (600 yuan) spent.
- ``potential``: the last delivered order is less than ``recent_days`` (14) days ago and
  there are at most ``potential_max_orders`` (2) delivered orders ever.
- ``regular``: everyone else.

"Within the last N days" means the N business days ending on the report's day, so an order
N days ago is outside. Only delivered orders count (cancelled ones never went out, refunded
ones were given back); an order's day is its delivery date, already a Shanghai business
date. Spend is what the customer paid (``total_fen``).

A unit has about 5,000 customers and 250,000 orders a year, so nothing is loaded row by
row: one grouped query gives every customer's facts as of each day the report needs (its
day, a week earlier, the end of each charted week) through conditional sums, another the
crate balances, a third the orders per day for the chart's bars.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from core.clock import UTC, local_now
from core.config import Settings
from core.models import Building, CrateMovement, Customer, Order
from core.orders.status import Status
from core.uow import UnitOfWork


class Standing(StrEnum):
    """Which group a customer is in; the order here is the report's order."""

    HIGH_VALUE = "high_value"
    POTENTIAL = "potential"
    LOST = "lost"
    REGULAR = "regular"  # in no group
    NEW = "new"  # bound, never ordered


ISSUED = "issued"  # core.crates.ISSUED (not imported: core.crates pulls in the lifecycle)


@dataclass(frozen=True)
class Thresholds:
    """The grouping rules' numbers, read from settings so HQ can tune them."""

    lost_days: int = 30
    silent_crate_days: int = 14
    high_value_days: int = 90
    high_value_min_orders: int = 6
    high_value_min_fen: int = 60000
    recent_days: int = 14
    potential_max_orders: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The configured thresholds (``LINLI_REPORT_*``)."""
        return cls(
            lost_days=settings.report_lost_days,
            silent_crate_days=settings.report_silent_crate_days,
            high_value_days=settings.report_high_value_days,
            high_value_min_orders=settings.report_high_value_min_orders,
            high_value_min_fen=settings.report_high_value_min_fen,
            recent_days=settings.report_recent_days,
            potential_max_orders=settings.report_potential_max_orders,
        )


def classify(
    thresholds: Thresholds,
    *,
    as_of: dt.date,
    last_order_on: dt.date | None,
    orders_in_window: int,
    spend_in_window_fen: int,
    orders_ever: int,
    crates_held: int = 0,
    last_crate_issue_on: dt.date | None = None,
) -> Standing:
    """The customer's group on ``as_of`` from their facts (see the module docstring)."""
    t = thresholds
    if last_order_on is None or orders_ever <= 0:
        return Standing.NEW
    days_since = (as_of - last_order_on).days
    if days_since >= t.lost_days:
        return Standing.LOST
    if crates_held > 0:
        active = max(last_order_on, last_crate_issue_on or last_order_on)
        if (as_of - active).days >= t.silent_crate_days:
            return Standing.LOST
    if orders_in_window >= t.high_value_min_orders or spend_in_window_fen >= t.high_value_min_fen:
        return Standing.HIGH_VALUE
    if days_since < t.recent_days and orders_ever <= t.potential_max_orders:
        return Standing.POTENTIAL
    return Standing.REGULAR


@dataclass(frozen=True)
class CustomerValue:
    """One customer on the report's day; orders and spend are all delivered orders so far."""

    customer_id: int
    display_name: str | None
    building_label: str | None
    room: str | None
    standing: Standing
    orders: int
    spend_fen: int
    last_order_on: dt.date | None
    crates_held: int
    days_since_last: int | None


@dataclass(frozen=True)
class WeekPoint:
    """A week of the chart (Monday first): delivered orders, customers per group at its end.

    The current week ends on the report's day, so it is a partial week.
    """

    week_start: dt.date
    orders: int
    per_group: dict[Standing, int]


@dataclass(frozen=True)
class ValueReport:
    """The report of one unit on one day; an empty unit gives zeros and empty lists."""

    unit_id: int
    as_of: dt.date
    counts: dict[Standing, int]
    previous: dict[Standing, int]  # the same classification a week before ``as_of``
    top: dict[Standing, list[CustomerValue]]
    customers: list[CustomerValue] = field(default_factory=list)
    weeks: list[WeekPoint] = field(default_factory=list)

    def change(self, standing: Standing) -> int:
        """How the group grew (+) or shrank (−) since last week."""
        return self.counts.get(standing, 0) - self.previous.get(standing, 0)

    @property
    def total(self) -> int:
        """Customers on the report."""
        return sum(self.counts.values())


@dataclass
class _Facts:
    """What the grouped queries say about one customer as of one day."""

    last_order_on: dt.date | None = None
    orders_ever: int = 0
    orders_in_window: int = 0
    spend_in_window_fen: int = 0
    crates_held: int = 0
    last_crate_issue_on: dt.date | None = None


def _zeros() -> dict[Standing, int]:
    return dict.fromkeys(Standing, 0)


def _week_starts(as_of: dt.date, weeks: int) -> list[dt.date]:
    """Mondays of the charted weeks, oldest first, the last one's week holding ``as_of``."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    return [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(max(0, weeks))]


def _end_of_day_utc(settings: Settings, day: dt.date) -> dt.datetime:
    """The instant the business day ends (midnight after it, Shanghai), in UTC."""
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), settings.tz)
    return following.astimezone(UTC)


def _of_unit(column: ColumnElement[int], unit_id: int, sqlite: bool) -> ColumnElement[bool]:
    """``column = unit_id``, written so SQLite keeps off the unit's index.

    SQLite has no statistics and takes the (unit, date) index, then sorts the whole
    history for the per-customer grouping (2–3× slower than walking the customer index,
    which yields rows already grouped). ``+ 0`` makes the condition unusable for an index
    there; PostgreSQL plans from statistics and gets the plain comparison.
    """
    return (column + 0 == unit_id) if sqlite else (column == unit_id)


def _bucket(column: ColumnElement[object], bounds: list[object], inclusive: bool) -> Any:
    """Which of ``bounds`` (ascending) a value falls under: 0 up to the first, then 1, ...

    Inclusive buckets are (b[k-1], b[k]] (days), exclusive ones [b[k-1], b[k]) (instants).
    Rows past the last bound are kept out by the query's filter. Oldest first, so most
    rows (the old history) stop at the first comparison.
    """
    whens = [
        ((column <= bound) if inclusive else (column < bound), k) for k, bound in enumerate(bounds)
    ]
    return case(*whens, else_=len(bounds)).label("bucket")


async def _order_facts(
    uow: UnitOfWork, unit_id: int, days: list[dt.date], window: int
) -> dict[int, tuple[list[_Facts], int]]:
    """Per customer: their facts as of each of ``days``, and their total spend by the last.

    The days and their windows' openings cut time into buckets; one grouped query gives
    each customer's delivered orders, spend and last day per bucket, and every fact is a
    sum (or max) over whole buckets, so the edges are exact.
    """
    opens = [point - dt.timedelta(days=window) for point in days]  # a window is (opens, point]
    bounds = sorted({*days, *opens})
    at = {bound: k for k, bound in enumerate(bounds)}
    bucket = _bucket(Order.delivery_date, list(bounds), inclusive=True)
    rows = await uow.session.execute(
        select(
            Order.customer_id,
            bucket,
            func.count(),
            func.sum(Order.total_fen),
            func.max(Order.delivery_date),
        )
        .where(
            _of_unit(Order.unit_id, unit_id, uow.db.is_sqlite),
            Order.status == Status.DELIVERED,
            Order.delivery_date <= max(days),
        )
        .group_by(Order.customer_id, bucket)
    )
    per_customer: dict[int, list[tuple[int, int, int, dt.date]]] = {}
    for customer_id, k, count, fen, last in rows:
        per_customer.setdefault(customer_id, []).append((int(k), int(count), int(fen or 0), last))
    size = len(bounds) + 1
    out: dict[int, tuple[list[_Facts], int]] = {}
    for customer_id, buckets in per_customer.items():
        counts, fens = [0] * size, [0] * size
        lasts: list[dt.date | None] = [None] * size
        for k, count, fen, last in buckets:
            counts[k], fens[k], lasts[k] = count, fen, last
        count_upto = list(accumulate(counts))  # over buckets 0..k
        fen_upto = list(accumulate(fens))
        last_upto = list(accumulate(lasts, lambda before, here: here or before))
        facts = []
        for point, opened in zip(days, opens, strict=True):
            k, j = at[point], at[opened]
            facts.append(
                _Facts(
                    last_order_on=last_upto[k],
                    orders_ever=count_upto[k],
                    orders_in_window=count_upto[k] - count_upto[j],
                    spend_in_window_fen=fen_upto[k] - fen_upto[j],
                )
            )
        out[customer_id] = (facts, fen_upto[-1])
    return out


async def _crate_facts(
    uow: UnitOfWork, unit_id: int, days: list[dt.date]
) -> dict[int, list[tuple[int, dt.date | None]]]:
    """Per customer: crates held and the last crate issue's business day, as of each day.

    Bucketed by the days' ends like the orders: a balance is a sum over whole buckets.
    """
    settings = uow.settings
    ends = [_end_of_day_utc(settings, point) for point in days]
    at = CrateMovement.created_at
    bucket = _bucket(at, list(ends), inclusive=False)
    rows = await uow.session.execute(
        select(
            CrateMovement.customer_id,
            bucket,
            func.sum(CrateMovement.quantity),
            func.max(case((CrateMovement.kind == ISSUED, at))),
        )
        .where(_of_unit(CrateMovement.unit_id, unit_id, uow.db.is_sqlite), at < max(ends))
        .group_by(CrateMovement.customer_id, bucket)
    )
    per_customer: dict[int, list[tuple[int, int, dt.datetime | None]]] = {}
    for customer_id, k, quantity, issued in rows:
        per_customer.setdefault(customer_id, []).append((int(k), int(quantity or 0), issued))
    tz = settings.tz
    out: dict[int, list[tuple[int, dt.date | None]]] = {}
    for customer_id, buckets in per_customer.items():
        held, issued_at = [0] * len(days), [None] * len(days)
        for k, quantity, issued in buckets:
            held[k] = quantity
            issued_at[k] = issued
        points: list[tuple[int, dt.date | None]] = []
        running = 0
        last: dt.datetime | None = None
        for k in range(len(days)):  # bucket k ends where day k ends
            running += held[k]
            last = issued_at[k] or last
            points.append((running, last.astimezone(tz).date() if last is not None else None))
        out[customer_id] = points
    return out


async def _orders_per_week(
    uow: UnitOfWork, unit_id: int, starts: list[dt.date], as_of: dt.date
) -> list[int]:
    """The unit's delivered orders in each charted week (up to ``as_of``)."""
    if not starts:
        return []
    rows = await uow.session.execute(
        select(Order.delivery_date, func.count(Order.id))
        .where(
            Order.unit_id == unit_id,
            Order.status == Status.DELIVERED,
            Order.delivery_date >= starts[0],
            Order.delivery_date <= as_of,
        )
        .group_by(Order.delivery_date)
    )
    counts = [0] * len(starts)
    for day, count in rows:
        counts[min(len(starts) - 1, (day - starts[0]).days // 7)] += int(count)
    return counts


async def _people(
    uow: UnitOfWork, unit_id: int
) -> list[tuple[int, str | None, str | None, str | None, dt.date]]:
    """The unit's customers: id, name, building label, room, the business day they joined."""
    rows = await uow.session.execute(
        select(
            Customer.id,
            Customer.display_name,
            Building.label,
            Customer.room,
            Customer.bound_at,
            Customer.created_at,
        )
        .outerjoin(Building, Building.id == Customer.building_id)
        .where(Customer.unit_id == unit_id)
    )
    tz = uow.settings.tz
    out = []
    for customer_id, name, label, room, bound_at, created_at in rows:
        joined = (bound_at or created_at).astimezone(tz).date()
        out.append((customer_id, name, label, room, joined))
    return out


def _value_key(row: CustomerValue) -> tuple[int, int, int]:
    """Most valuable first: spend, then orders; the id keeps ties stable."""
    return (-row.spend_fen, -row.orders, row.customer_id)


async def value_report(
    uow: UnitOfWork,
    unit_id: int,
    *,
    as_of: dt.date | None = None,
    top_n: int = 5,
    weeks: int = 12,
) -> ValueReport:
    """The unit's customer-value report on ``as_of`` (today in business time by default).

    A customer counts on a past day (last week, a charted week) once they had joined the
    unit or had a delivered order there by that day.
    """
    thresholds = Thresholds.from_settings(uow.settings)
    if as_of is None:
        as_of = local_now(uow.clock, uow.settings.tz).date()
    starts = _week_starts(as_of, weeks)
    week_ends = [min(start + dt.timedelta(days=6), as_of) for start in starts]
    previous_day = as_of - dt.timedelta(days=7)
    days = sorted({as_of, previous_day, *week_ends})
    index = {point: k for k, point in enumerate(days)}

    people = await _people(uow, unit_id)
    orders, crates = {}, {}
    if people:
        orders = await _order_facts(uow, unit_id, days, thresholds.high_value_days)
        crates = await _crate_facts(uow, unit_id, days)
    per_week_orders = await _orders_per_week(uow, unit_id, starts, as_of)

    standings: list[dict[Standing, int]] = [_zeros() for _ in days]
    customers: list[CustomerValue] = []
    empty = [_Facts() for _ in days]
    no_crates = [(0, None)] * len(days)
    for customer_id, name, label, room, joined in people:
        facts, spend = orders.get(customer_id, (empty, 0))
        held = crates.get(customer_id, no_crates)
        for k, point in enumerate(days):
            fact = facts[k]
            if joined > point and fact.orders_ever == 0:
                continue  # not a customer yet on that day
            crates_held, issued_on = held[k]
            standing = classify(
                thresholds,
                as_of=point,
                last_order_on=fact.last_order_on,
                orders_in_window=fact.orders_in_window,
                spend_in_window_fen=fact.spend_in_window_fen,
                orders_ever=fact.orders_ever,
                crates_held=crates_held,
                last_crate_issue_on=issued_on,
            )
            standings[k][standing] += 1
            if point == as_of:
                last = fact.last_order_on
                customers.append(
                    CustomerValue(
                        customer_id=customer_id,
                        display_name=name,
                        building_label=label,
                        room=room,
                        standing=standing,
                        orders=fact.orders_ever,
                        spend_fen=spend,
                        last_order_on=last,
                        crates_held=crates_held,
                        days_since_last=None if last is None else (as_of - last).days,
                    )
                )
    rank = {standing: n for n, standing in enumerate(Standing)}
    customers.sort(key=lambda row: (rank[row.standing], *_value_key(row)))
    top: dict[Standing, list[CustomerValue]] = {standing: [] for standing in Standing}
    for row in customers:
        if len(top[row.standing]) < top_n:
            top[row.standing].append(row)
    return ValueReport(
        unit_id=unit_id,
        as_of=as_of,
        counts=standings[index[as_of]],
        previous=standings[index[previous_day]],
        top=top,
        customers=customers,
        weeks=[
            WeekPoint(week_start=start, orders=count, per_group=dict(standings[index[end]]))
            for start, end, count in zip(starts, week_ends, per_week_orders, strict=True)
        ],
    )
