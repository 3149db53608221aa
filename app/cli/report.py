"""``linli report``: a unit's customer-value report, optionally as CSV and as the chart PNG."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from app.cli.common import with_database
from app.cli.statement import money
from core.errors import NotFound
from core.models import Unit
from core.partners.reports.chart import weekly_chart_png
from core.partners.reports.export import report_csv
from core.partners.reports.value import CustomerValue, Standing, ValueReport, value_report
from core.people.units import unit_by_code
from core.platform.uow import Database

CHART_LABELS = {
    "orders": "orders delivered",
    "customers": "customers",
    Standing.HIGH_VALUE.value: "high value",
    Standing.POTENTIAL.value: "potential",
    Standing.LOST.value: "lost",
    Standing.REGULAR.value: "regular",
    Standing.NEW.value: "new",
}


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A business date as YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-23 (YYYY-MM-DD)") from None


def _who(row: CustomerValue) -> str:
    """A customer as the operator reads them: name, then where they live."""
    name = row.display_name or f"customer {row.customer_id}"
    where = " ".join(part for part in (row.building_label, row.room) if part)
    return f"{name} ({where})" if where else name


def render(unit: Unit, report: ValueReport) -> list[str]:
    """The report as the lines an operator reads."""
    since = report.as_of - dt.timedelta(days=7)
    out = [
        f"customer value of unit {unit.code} ({unit.name_en}) on {report.as_of}: "
        f"{report.total} customers",
    ]
    for standing in Standing:
        change = report.change(standing)
        out.append(
            f"  {CHART_LABELS[standing.value]:<11} {report.counts[standing]:>5}"
            f"  ({change:+d} since {since})"
        )
    for standing in Standing:
        if not report.top[standing]:
            continue
        out.append(f"top {CHART_LABELS[standing.value]}:")
        for row in report.top[standing]:
            last = f"last {row.last_order_on} ({row.days_since_last} days)"
            crates = f", {row.crates_held} crates out" if row.crates_held else ""
            out.append(
                f"  {_who(row)}: {money(row.spend_fen)}, {row.orders} orders"
                + (f", {last}" if row.last_order_on else ", never ordered")
                + crates
            )
    return out


@click.command("report")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option(
    "--as-of", "as_of", default=None, callback=_day, help="Day of the report (default today)."
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write every customer to this CSV file (UTF-8 with BOM, for Excel).",
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write the weekly chart to this PNG file.",
)
def report_command(
    unit_code: str, as_of: dt.date | None, csv_path: Path | None, chart_path: Path | None
) -> None:
    """Print a unit's customers by group (high value, potential, lost...) and the top ones."""

    async def work(database: Database) -> tuple[Unit, ValueReport] | None:
        async with database.uow() as uow:
            try:
                unit = await unit_by_code(uow, unit_code)
            except NotFound:
                return None
            return unit, await value_report(uow, unit.id, as_of=as_of)

    found = with_database(work)
    if found is None:
        raise click.ClickException(f"no unit with the code {unit_code!r}")
    unit, report = found
    click.echo("\n".join(render(unit, report)))
    if csv_path is not None:
        csv_path.write_bytes(report_csv(report))
        click.echo(f"wrote {len(report.customers)} customers to {csv_path}")
    if chart_path is not None:
        title = f"{unit.name_en}: orders per week and customers per group"
        chart_path.write_bytes(weekly_chart_png(report, title=title, labels=CHART_LABELS))
        click.echo(f"chart written to {chart_path}")
