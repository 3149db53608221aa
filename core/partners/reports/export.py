"""The report as CSV for partners and HQ who open it in Excel.

UTF-8 with a byte-order mark, or Excel reads Chinese names as mojibake; money as yuan
with two decimals (``core.money.yuan_str``), dates as ISO, one row per customer in the
report's order (group, then most valuable first).
"""

from __future__ import annotations

import csv
import io

from core.money import yuan_str
from core.partners.reports.value import ValueReport

COLUMNS = (
    "customer",
    "building",
    "room",
    "group",
    "orders",
    "spend",
    "last order",
    "days since",
    "crates held",
)


def report_csv(report: ValueReport) -> bytes:
    """Every customer of the report, one row each, as UTF-8 CSV with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in report.customers:
        writer.writerow(
            (
                row.display_name or f"#{row.customer_id}",
                row.building_label or "",
                row.room or "",
                row.standing.value,
                row.orders,
                yuan_str(row.spend_fen),
                row.last_order_on.isoformat() if row.last_order_on else "",
                "" if row.days_since_last is None else row.days_since_last,
                row.crates_held,
            )
        )
    return out.getvalue().encode("utf-8-sig")
