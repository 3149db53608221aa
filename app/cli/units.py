"""``linli unit add`` and ``linli partner add``: HQ sets up units and their partners."""

from __future__ import annotations

import click
from sqlalchemy.exc import IntegrityError

from app.cli.common import with_database
from core.models import Partner, Unit
from core.people.units import add_partner, create_unit, split_buildings
from core.platform.uow import Database


@click.group("unit")
def unit_group() -> None:
    """Residential units."""


@unit_group.command("add")
@click.option("--code", required=True, help="Short code used in links, e.g. jinxiu.")
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
@click.option("--area", required=True, help="District and street, e.g. 浦东新区 花木街道.")
@click.option("--buildings", required=True, help='Labels in walking order, e.g. "1栋,2栋".')
def add_unit(code: str, name_zh: str, name_en: str, area: str, buildings: str) -> None:
    """Create a unit with its buildings."""

    async def work(database: Database) -> tuple[Unit, int]:
        labels = split_buildings(buildings)
        async with database.uow() as uow:
            unit = await create_unit(
                uow, code=code, name_zh=name_zh, name_en=name_en, area=area, buildings=labels
            )
            await uow.commit()
        return unit, len(labels)

    unit, count = with_database(work)
    click.echo(f"unit {unit.code} {unit.name_zh} created with {count} buildings")


@click.group("partner")
def partner_group() -> None:
    """Delivery partners (one active per unit)."""


@partner_group.command("add")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option("--name", required=True)
@click.option("--telegram-id", type=int, default=None, help="Numeric Telegram user id.")
@click.option("--phone", default=None)
@click.option("--replace", is_flag=True, help="Retire the unit's current partner.")
def add_partner_command(
    unit_code: str, name: str, telegram_id: int | None, phone: str | None, replace: bool
) -> None:
    """Make someone the unit's partner and print the invite code for their leaflets."""

    async def work(database: Database) -> Partner:
        async with database.uow() as uow:
            partner = await add_partner(
                uow,
                unit_code=unit_code,
                name=name,
                telegram_id=telegram_id,
                phone=phone,
                replace=replace,
            )
            await uow.commit()
        return partner

    try:
        partner = with_database(work)
    except IntegrityError:
        raise click.ClickException(
            f"Telegram id {telegram_id} already belongs to another partner"
        ) from None

    click.echo(f"partner {partner.name} of unit {unit_code}: invite code {partner.invite_code}")
