"""``linli statement``: each partner's commission statement for a month, optionally as CSV."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import with_database
from core.commissions.statements import MONTH_FORMAT, Statement, statements_for, write_csv
from core.money import yuan_str
from core.platform.uow import Database


def money(fen: int) -> str:
    """¥12.30 from integer fen, no floats involved."""
    text = yuan_str(fen)
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"


def _month(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse a month click would otherwise pass through to match nothing."""
    text = value.strip()
    if not MONTH_FORMAT.fullmatch(text):
        raise click.BadParameter(f"{value!r} is not a month like 2026-11 (YYYY-MM)")
    return text


def render(item: Statement) -> list[str]:
    """A statement as the lines an operator reads."""
    out = [
        f"{item.partner_name} (partner {item.partner_id}, unit {item.unit_code}) {item.month}",
        f"  opening balance {money(item.opening_fen)}",
        f"  held at opening {money(item.opening_held_fen)}",
    ]
    for line in item.lines:
        what = f"order {line.order_no}" if line.order_no else ""
        who = f"customer {line.customer_id}" if line.customer_id is not None else ""
        where = f"household {line.household_id}" if line.household_id is not None else ""
        why = f"({line.reason})" if line.reason else ""
        detail = " ".join(part for part in (f"#{line.entry_id}", what, who, where, why) if part)
        held = f"held {money(line.held_fen)}" if line.held_fen else ""
        out.append(
            f"  {line.created_at[:10]}  {line.kind:<22} {money(line.amount_fen):>10}"
            f" {held:>16}  {detail}"
        )
    out.append(f"  closing balance {money(item.closing_fen)}")
    out.append(
        f"  held at closing {money(item.closing_held_fen)}"
        " (new-customer fees in their hold: not payable until released)"
    )
    return out


@click.command("statement")
@click.option("--month", required=True, callback=_month, help="Month as YYYY-MM (Shanghai time).")
@click.option("--unit", "unit_code", default=None, help="Only this unit's partner.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write the statements to this CSV file.",
)
def statement_command(month: str, unit_code: str | None, csv_path: Path | None) -> None:
    """Print each partner's commission statement for a month."""

    async def work(database: Database) -> list[Statement]:
        async with database.uow() as uow:
            return await statements_for(uow, month, unit_code)

    statements = with_database(work)
    if not statements:
        click.echo(f"no commission entries up to {month}")
    for item in statements:
        click.echo("\n".join(render(item)))
    if csv_path is not None:
        with csv_path.open("w", newline="", encoding="utf-8") as out:
            rows = write_csv(statements, out)
        click.echo(f"wrote {rows} rows to {csv_path}")
