"""The report's CSV opens in Excel (BOM), and reads back row for row with yuan amounts."""

from __future__ import annotations

import csv
import datetime as dt
import io

from core.partners.reports.export import COLUMNS, report_csv
from core.partners.reports.value import CustomerValue, Standing, ValueReport


def _report(customers: list[CustomerValue]) -> ValueReport:
    return ValueReport(
        unit_id=1,
        as_of=dt.date(2026, 11, 23),
        counts=dict.fromkeys(Standing, 0),
        previous=dict.fromkeys(Standing, 0),
        top={s: [] for s in Standing},
        customers=customers,
    )


def test_the_csv_round_trips_with_chinese_names_and_money_in_yuan():
    rows = [
        CustomerValue(
            7, "王阿姨", "1栋", "1201", Standing.HIGH_VALUE, 9, 61205, dt.date(2026, 11, 20), 2, 3
        ),
        CustomerValue(8, None, None, None, Standing.NEW, 0, 0, None, 0, None),
    ]

    data = report_csv(_report(rows))

    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(read[0]) == COLUMNS
    assert read[1] == ["王阿姨", "1栋", "1201", "high_value", "9", "612.05", "2026-11-20", "3", "2"]
    assert read[2] == ["#8", "", "", "new", "0", "0.00", "", "", "0"]


def test_an_empty_report_is_just_the_header():
    data = report_csv(_report([]))

    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [list(COLUMNS)]
