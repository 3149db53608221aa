"""Orders before 15:00 Shanghai go out tonight; from 15:00:00 they go out tomorrow."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.orders.delivery_date import delivery_slot
from tests.conftest import shanghai
from tests.factories import make_bound_customer, make_product, make_unit_with_partner, place

SH = ZoneInfo("Asia/Shanghai")
EVENING = {"cutoff": dt.time(15), "window_start": dt.time(18), "window_end": dt.time(21)}


@pytest.mark.parametrize(
    ("placed", "delivered_on"),
    [
        (shanghai(2026, 11, 23, 14, 59, 59), dt.date(2026, 11, 23)),
        (shanghai(2026, 11, 23, 15, 0, 0), dt.date(2026, 11, 24)),
        (shanghai(2026, 11, 30, 14, 59, 59), dt.date(2026, 11, 30)),
        (shanghai(2026, 11, 30, 15, 0, 0), dt.date(2026, 12, 1)),
        (shanghai(2026, 12, 31, 15, 0, 0), dt.date(2027, 1, 1)),
        (shanghai(2027, 2, 28, 16, 0, 0), dt.date(2027, 3, 1)),
        (shanghai(2028, 2, 28, 16, 0, 0), dt.date(2028, 2, 29)),
        (shanghai(2026, 11, 23, 23, 59, 59), dt.date(2026, 11, 24)),
        (shanghai(2026, 11, 24, 0, 0, 0), dt.date(2026, 11, 24)),
    ],
)
def test_the_cutoff_decides_the_delivery_evening(placed, delivered_on):
    assert delivery_slot(placed, SH, **EVENING).date == delivered_on


def test_the_cutoff_is_judged_in_shanghai_even_when_the_clock_speaks_utc():
    # 06:59:59 UTC is 14:59:59 in Shanghai; 07:00:00 UTC is 15:00:00.
    before = dt.datetime(2026, 11, 23, 6, 59, 59, tzinfo=dt.UTC)
    after = dt.datetime(2026, 11, 23, 7, 0, 0, tzinfo=dt.UTC)
    assert delivery_slot(before, SH, **EVENING).date == dt.date(2026, 11, 23)
    assert delivery_slot(after, SH, **EVENING).date == dt.date(2026, 11, 24)


def test_a_naive_time_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="aware"):
        delivery_slot(dt.datetime(2026, 11, 23, 14), SH, **EVENING)


async def test_orders_either_side_of_the_cutoff_land_on_different_evenings(db, clock):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    cola = await make_product(db, "COLA")
    clock.set(shanghai(2026, 11, 30, 14, 59, 59))
    tonight = (await place(db, customer, [(cola, 1)])).order
    clock.set(shanghai(2026, 11, 30, 15, 0, 0))
    tomorrow = (await place(db, customer, [(cola, 1)])).order
    assert tonight.delivery_date == dt.date(2026, 11, 30)
    assert tomorrow.delivery_date == dt.date(2026, 12, 1)
    assert (tomorrow.window_start, tomorrow.window_end) == (dt.time(18), dt.time(21))
