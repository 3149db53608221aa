"""``linli fee`` and ``linli suspicious``: HQ's side of held new-customer fees.

``linli suspicious [--days N]`` lists households worth a look (core/commissions/suspicious)
with the fee each earned; ``linli fee reject ENTRY --reason TEXT`` refuses a held fee (a
ledger entry, never a deletion); ``linli fee release`` runs the daily release now (it is
idempotent: a fee is released once).
"""

from __future__ import annotations

import click

from app.cli.common import with_database
from app.cli.statement import money
from core.commissions.held import reject, release_due
from core.commissions.suspicious import (
    CASH,
    IDENTITY,
    ORIGIN,
    PHONE,
    SMALL,
    Suspicion,
    suspicious,
)
from core.platform.uow import Database


def why(row: Suspicion) -> str:
    """The reason a row is listed, in an operator's words."""
    if row.reason == IDENTITY:
        return f"identity {row.key} created {row.count} households on {row.day}"
    if row.reason == ORIGIN:
        return f"{row.count} households created from address {row.key} on {row.day}"
    if row.reason == PHONE:
        return f"phone {row.key} is on {row.count} households"
    if row.reason == SMALL:
        return f"first order of {money(row.amount_fen or 0)} earned the new-customer fee"
    if row.reason == CASH:
        return "new-customer fee on a household whose every order was paid in cash"
    return row.reason


def fee_text(row: Suspicion) -> str:
    """The household's fee: entry id and where it stands."""
    if row.fee is None:
        return "no fee"
    text = f"fee entry {row.fee.entry_id} {money(row.fee.amount_fen)} {row.fee.status}"
    return text + (f" ({row.fee.reason})" if row.fee.reason else "")


@click.command("suspicious")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 366))
def suspicious_command(days: int) -> None:
    """List households and new-customer fees worth a second look."""

    async def work(database: Database) -> list[Suspicion]:
        async with database.uow() as uow:
            return await suspicious(uow, days=days)

    rows = with_database(work)
    if not rows:
        click.echo(f"nothing suspicious in the last {days} days")
    for row in rows:
        door = f"{row.unit_code} {row.building_label} {row.room}"
        click.echo(
            f"{row.reason:<20} household {row.household_id} ({door}): {why(row)}; {fee_text(row)}"
        )


@click.group("fee")
def fee_group() -> None:
    """Held new-customer fees: reject one, or release those whose hold has passed."""


@fee_group.command("reject")
@click.argument("entry", type=int)
@click.option("--reason", required=True, help="Why HQ refuses the fee (kept in the ledger).")
def reject_command(entry: int, reason: str) -> None:
    """Reject the held fee ENTRY (its ledger entry id, as `linli suspicious` shows)."""

    async def work(database: Database) -> int:
        async with database.uow() as uow:
            rejected = await reject(uow, entry, reason)
            await uow.commit()
            return rejected.id

    written = with_database(work)
    click.echo(f"fee entry {entry} rejected (ledger entry {written})")


@fee_group.command("release")
def release_command() -> None:
    """Release every held fee whose hold has passed with no refund (what the daily job does)."""

    async def work(database: Database) -> int:
        async with database.uow() as uow:
            count = await release_due(uow)
            await uow.commit()
            return count

    click.echo(f"released {with_database(work)} held fees")
