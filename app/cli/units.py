"""``linli unit add``, ``linli partner add`` and ``linli partner link``: HQ sets up units
and their partners, and signs a partner in on the web."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError

from app.cli.common import with_database
from core.errors import NotFound
from core.models import Partner, Unit
from core.people.invites_print.links import qr_png
from core.people.units import (
    active_partner,
    add_partner,
    create_unit,
    split_buildings,
    unit_by_code,
)
from core.people.web_tokens import ENROL_TTL, partner_enrolment_link
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


@partner_group.command("link")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option(
    "--qr",
    "qr_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the link's QR code to this PNG file.",
)
def link_partner_command(unit_code: str, qr_out: Path | None) -> None:
    """Print a one-time web sign-in link for the unit's partner (valid 24 hours).

    The browser that opens it is signed in as the partner for LINLI_PARTNER_DEVICE_DAYS:
    the partner works in the web chat, with or without Telegram.
    """

    async def work(database: Database) -> tuple[Partner, str]:
        async with database.uow() as uow:
            unit = await unit_by_code(uow, unit_code)
            partner = await active_partner(uow, unit.id)
            if partner is None:
                raise NotFound(what="active partner of unit", key=unit_code)
            link = await partner_enrolment_link(uow, partner)
            await uow.commit()
        return partner, link

    partner, link = with_database(work)
    hours = int(ENROL_TTL.total_seconds() // 3600)
    click.echo(f"sign-in link for {partner.name} ({unit_code}), once, within {hours} hours:")
    click.echo(link)
    if qr_out is not None:
        qr_out.write_bytes(qr_png(link))
        click.echo(f"QR code written to {qr_out}")
