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

A unit has about 5,000 customers and 250,000 orders a year, and the report classifies
everyone on 13 days (its day, a week earlier, the end of each charted week), so no ORM
object is loaded: one query reads the delivered history (older orders summed per
customer, the last half-year as narrow rows), folded per customer in Python into each
day's facts and the chart's weekly orders; one gives today's crate balances; a last one
reads, bucketed, the recent crate movements of the customers the silent-crate rule can
move on some day (14–29 days past their last order), the only ones whose crates on past
days matter.
"""

from __future__ import annotations

import datetime as dt
import gc
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    case,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)

from core.models import Building, CrateMovement, Customer, Order
from core.orders.status import Status
from core.platform.clock import UTC, local_now
from core.platform.config import Settings
from core.platform.uow import UnitOfWork


class Standing(StrEnum):
    """Which group a customer is in; the order here is the report's order."""

    HIGH_VALUE = "high_value"
    POTENTIAL = "potential"
    LOST = "lost"
    REGULAR = "regular"  # in no group
    NEW = "new"  # bound, never ordered


# core.delivery.crates.ISSUED (not imported: core.delivery.crates pulls in the lifecycle)
ISSUED = "issued"


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


# (customer's facts as of one day) last delivered day, orders ever, orders and spend in the window
_Facts = tuple[dt.date | None, int, int, int]
_NO_FACTS: _Facts = (None, 0, 0, 0)


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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Keep the cycle collector off over an allocation burst that makes no cycles.

    Folding 100k rows allocates a few hundred thousand tuples and lists; the collector
    would run every 700 of them and now and then walk the whole heap (measured: 15–25%
    of the report's time). Only around code that never awaits, so no other task runs
    while it is off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bucket(column: ColumnElement[object], bounds: list[object]) -> Any:
    """Which of ``bounds`` (ascending instants) a value falls under: [b[k-1], b[k]) is k."""
    return case(*((column < bound, k) for k, bound in enumerate(bounds)), else_=len(bounds))


async def _delivered(
    uow: UnitOfWork, unit_id: int, cutoff: dt.date, last_day: dt.date
) -> dict[int, list[tuple[dt.date, int, int]]]:
    """Per customer: (day, delivered orders, spend) entries, oldest first, up to ``last_day``.

    Everything up to ``cutoff`` comes summed into one entry at its last day: no fact the
    report asks for looks inside it (it is before every window and every charted week).
    The rest comes order by order, about half a year of a unit: 100k narrow rows read
    through Core (no ORM row processing) and folded in Python, which beats grouping them
    per time bucket in SQL on both databases. Both halves come from the covering index
    ``ix_orders_unit_id_status_delivery_date`` alone.
    """
    sqlite = uow.db.is_sqlite
    unit = Order.unit_id == unit_id
    delivered = Order.status == Status.DELIVERED
    # SQLite keeps dates as ISO text, which sorts like the dates; SQLAlchemy would parse
    # each row's (a third of the fold's time), so the text comes raw and each distinct
    # day is parsed once below
    day = type_coerce(Order.delivery_date, String) if sqlite else Order.delivery_date
    early = (
        select(
            Order.customer_id,
            func.max(day),
            func.count(),
            func.sum(Order.total_fen),
        )
        .where(unit, delivered, Order.delivery_date <= cutoff)
        .group_by(Order.customer_id)
    )
    recent = select(Order.customer_id, day, literal(1), Order.total_fen).where(
        unit, delivered, Order.delivery_date > cutoff, Order.delivery_date <= last_day
    )
    connection = await uow.session.connection()
    rows = await connection.execute(union_all(early, recent))
    out: dict[int, list[tuple[dt.date, int, int]]] = {}
    parsed: dict[object, dt.date] = {}
    with _gc_paused():
        for customer_id, raw, count, fen in rows.all():
            if (on := parsed.get(raw)) is None:
                on = parsed[raw] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
            entry = (on, count, fen or 0)
            if (entries := out.get(customer_id)) is None:
                out[customer_id] = [entry]
            else:
                entries.append(entry)
        for entries in out.values():
            entries.sort()
    return out


def _facts_on(
    entries: list[tuple[dt.date, int, int]], days: list[dt.date], opens: list[dt.date]
) -> tuple[list[_Facts], int]:
    """One customer's facts as of each of ``days`` (a window is (its opening, its day]),
    and their spend over all ``entries``."""
    dates, each, spent = zip(*entries, strict=True)
    counts = list(accumulate(each, initial=0))  # counts[i]: over the first i entries
    fens = list(accumulate(spent, initial=0))
    out: list[_Facts] = []
    for point, opened in zip(days, opens, strict=True):
        upto = bisect_right(dates, point)
        if upto == 0:
            out.append(_NO_FACTS)
            continue
        after = bisect_right(dates, opened)
        out.append(
            (dates[upto - 1], counts[upto], counts[upto] - counts[after], fens[upto] - fens[after])
        )
    return out, fens[-1]


async def _crate_balances(uow: UnitOfWork, unit_id: int, end: dt.datetime) -> dict[int, int]:
    """Per customer: crates held at ``end`` (the ledger's sum before it)."""
    connection = await uow.session.connection()
    rows = await connection.execute(
        select(CrateMovement.customer_id, func.sum(CrateMovement.quantity))
        .where(
            CrateMovement.unit_id == unit_id,
            CrateMovement.created_at < end,
        )
        .group_by(CrateMovement.customer_id)
    )
    return {customer_id: int(quantity or 0) for customer_id, quantity in rows}


async def _crate_days(
    uow: UnitOfWork,
    unit_id: int,
    *,
    days: list[dt.date],
    silent_days: int,
    balances: dict[int, int],
    customer_ids: list[int],
) -> dict[int, list[tuple[int, bool]]]:
    """For these customers, as of each of ``days``: crates held, and whether crates were
    issued within the silent window (``silent_days`` ending on the day).

    That is all the silent-crate rule asks; only the movements since the first day's
    window opened are read, bucketed at the days' ends and the windows' openings (net
    quantity and issues per bucket), and each day's balance is today's (``balances``,
    as of the last day) minus what moved after it.
    """
    settings = uow.settings
    ends = [_end_of_day_utc(settings, point) for point in days]
    opens = [_end_of_day_utc(settings, point - dt.timedelta(days=silent_days)) for point in days]
    bounds = sorted({*ends, *opens})
    at = {bound: k for k, bound in enumerate(bounds)}
    created = CrateMovement.created_at
    bucket = _bucket(created, bounds).label("bucket")
    connection = await uow.session.connection()
    rows = await connection.execute(
        select(
            CrateMovement.customer_id,
            bucket,
            func.sum(CrateMovement.quantity),
            func.sum(case((CrateMovement.kind == ISSUED, 1), else_=0)),
        )
        .where(
            CrateMovement.unit_id == unit_id,
            CrateMovement.customer_id.in_(
                bindparam("ids", customer_ids, expanding=True, literal_execute=True)
            ),
            created >= bounds[0],
            created < ends[-1],
        )
        .group_by(CrateMovement.customer_id, bucket)
    )
    size = len(bounds) + 1  # bucket k holds [bounds[k-1], bounds[k]); 0 and the last stay empty
    moved: dict[int, tuple[list[int], list[int]]] = {
        customer_id: ([0] * size, [0] * size) for customer_id in customer_ids
    }
    for customer_id, k, quantity, issues in rows:
        net, issued = moved[customer_id]
        net[k], issued[k] = int(quantity or 0), int(issues or 0)
    out: dict[int, list[tuple[int, bool]]] = {}
    for customer_id, (net, issued) in moved.items():
        net_upto = [0, *accumulate(net)]  # net_upto[k]: buckets before k, movements < bounds[k-1]
        issued_upto = [0, *accumulate(issued)]
        today = balances.get(customer_id, 0)
        points = []
        for end, opened in zip(ends, opens, strict=True):
            k, j = at[end] + 1, at[opened] + 1  # movements before ``end``: buckets 0..at[end]
            held = today - (net_upto[-1] - net_upto[k])
            points.append((held, issued_upto[k] > issued_upto[j]))
        out[customer_id] = points
    return out


def _crate_rule_may_apply(thresholds: Thresholds, days: list[dt.date], facts: list[_Facts]) -> bool:
    """True when on some day the last order is between the silent-crate and the lost
    thresholds: only then can crates decide the group (see ``classify``)."""
    for point, (last, _ever, _window, _spend) in zip(days, facts, strict=True):
        if last is not None:
            since = (point - last).days
            if thresholds.silent_crate_days <= since < thresholds.lost_days:
                return True
    return False


def _orders_per_week(
    delivered: dict[int, list[tuple[dt.date, int, int]]], starts: list[dt.date]
) -> list[int]:
    """The unit's delivered orders in each charted week (the entries end on the report's day)."""
    counts = [0] * len(starts)
    if not starts:
        return counts
    first = starts[0]
    for entries in delivered.values():
        for day, count, _fen in reversed(entries):  # newest first, up to the first week
            if day < first:
                break
            counts[min(len(starts) - 1, (day - first).days // 7)] += count
    return counts


async def _crates(
    uow: UnitOfWork,
    unit_id: int,
    thresholds: Thresholds,
    days: list[dt.date],
    orders: dict[int, tuple[list[_Facts], int]],
) -> tuple[dict[int, int], dict[int, list[tuple[int, bool]]]]:
    """Everyone's crates held on the last day, and day by day for those the crate rule
    can move: 14–29 days past their last order on some day (about half of a unit)."""
    balances = await _crate_balances(uow, unit_id, _end_of_day_utc(uow.settings, days[-1]))
    chase = [
        customer_id
        for customer_id, (facts, _spend) in orders.items()
        if _crate_rule_may_apply(thresholds, days, facts)
    ]
    if not chase:
        return balances, {}
    by_day = await _crate_days(
        uow,
        unit_id,
        days=days,
        silent_days=thresholds.silent_crate_days,
        balances=balances,
        customer_ids=chase,
    )
    return balances, by_day


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

    opens = [point - dt.timedelta(days=thresholds.high_value_days) for point in days]
    # the history up to here is only counted, never looked into (see _delivered)
    cutoff = min(*opens, starts[0] - dt.timedelta(days=1)) if starts else min(opens)

    people = await _people(uow, unit_id)
    delivered = await _delivered(uow, unit_id, cutoff, as_of)
    per_week_orders = _orders_per_week(delivered, starts)
    with _gc_paused():
        orders = {
            customer_id: _facts_on(entries, days, opens)
            for customer_id, entries in delivered.items()
        }
    balances: dict[int, int] = {}
    crates: dict[int, list[tuple[int, bool]]] = {}
    if people:
        balances, crates = await _crates(uow, unit_id, thresholds, days, orders)

    standings: list[dict[Standing, int]] = [_zeros() for _ in days]
    customers: list[CustomerValue] = []
    empty = ([_NO_FACTS] * len(days), 0)
    with _gc_paused():  # 65,000 classifications, 5,000 rows
        for customer_id, name, label, room, joined in people:
            facts, spend = orders.get(customer_id, empty)
            balance = balances.get(customer_id, 0)
            held = crates.get(customer_id)
            for k, point in enumerate(days):
                last, ever, in_window, spend_in_window = facts[k]
                if joined > point and ever == 0:
                    continue  # not a customer yet on that day
                if held is None:  # the crate rule cannot apply: today's balance stands in
                    crates_held, issued_on = balance, None
                else:  # a day within the silent window stands in for the last issue
                    crates_held, issued_recently = held[k]
                    issued_on = point if issued_recently else None
                standing = classify(
                    thresholds,
                    as_of=point,
                    last_order_on=last,
                    orders_in_window=in_window,
                    spend_in_window_fen=spend_in_window,
                    orders_ever=ever,
                    crates_held=crates_held,
                    last_crate_issue_on=issued_on,
                )
                standings[k][standing] += 1
                if point == as_of:
                    customers.append(
                        CustomerValue(
                            customer_id=customer_id,
                            display_name=name,
                            building_label=label,
                            room=room,
                            standing=standing,
                            orders=ever,
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
