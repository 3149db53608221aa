"""``linli partner letter`` and ``linli leaflet``: HQ sets the letter and prints the leaflet."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import with_database
from bot.messages.leaflet import leaflet_for
from core.errors import InvalidInput, NotFound
from core.models import Partner, Unit
from core.people.invites_print.letter import MAX_LETTER, clean_letter, set_letter
from core.people.units import active_partner, unit_by_code
from core.platform.uow import Database, UnitOfWork


async def _unit_and_partner(uow: UnitOfWork, unit_code: str) -> tuple[Unit, Partner]:
    """The unit and its active partner, or a clean error naming what is missing."""
    unit = await unit_by_code(uow, unit_code)
    partner = await active_partner(uow, unit.id)
    if partner is None:
        raise NotFound(what="active partner of unit", key=unit_code)
    return unit, partner


@click.command("letter")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option("--text", required=True, help=f"The letter, at most {MAX_LETTER} characters.")
def letter_command(unit_code: str, text: str) -> None:
    """Set the letter to customers that the unit's partner's leaflet carries."""
    try:
        clean_letter(text)
    except InvalidInput:
        raise click.ClickException(
            f"the letter must have 1 to {MAX_LETTER} characters (it has {len(text.strip())})"
        ) from None

    async def work(database: Database) -> Partner:
        async with database.uow() as uow:
            _unit, partner = await _unit_and_partner(uow, unit_code)
            partner = await set_letter(uow, partner.id, text)
            await uow.commit()
        return partner

    partner = with_database(work)
    click.echo(
        f"letter of {partner.name} ({unit_code}) saved: {len(partner.letter_zh or '')} chars"
    )


@click.command("leaflet")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PDF file."
)
def leaflet_command(unit_code: str, out: Path) -> None:
    """Write the unit's printable A4 leaflet (QR code, letter, selling points) as PDF."""

    async def work(database: Database) -> bytes:
        async with database.uow() as uow:
            unit, partner = await _unit_and_partner(uow, unit_code)
            return await leaflet_for(uow, partner, unit)

    pdf = with_database(work)
    out.write_bytes(pdf)
    click.echo(f"leaflet for {unit_code} written to {out} ({len(pdf)} bytes)")
