"""``linli broadcast``: HQ's notices, to one unit, several, or the whole city.

The same core as the partner's Notices screen (core/messaging/notices): validation, audiences,
quiet hours (only outage notices override them) and the outbox rows written in one
transaction. The running bot's sender delivers them; this command only schedules,
lists and cancels.

A photo is a Telegram ``file_id`` of a picture the bot already has (send it to the bot
once); local files are not uploaded from here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import click
from babel.numbers import format_decimal

from app.cli.common import with_database
from bot.flows.state import signing_key
from bot.messages.notices import notice_renderer
from core.errors import DomainError, InvalidInput, NotFound
from core.messaging.notices import (
    MAX_TEXT,
    NOTICE_KINDS,
    Audience,
    AudienceSize,
    FlaggedHouseholds,
    SomeBuildings,
    SomeUnits,
    ValueGroup,
    WholeCity,
    WholeUnit,
    audience_size,
    cancel_notice,
    schedule_notice,
    scheduled_notices,
)
from core.messaging.outbox.enqueue import StatusChat
from core.partners.customers import FLAGS
from core.partners.reports.value import Standing
from core.people.units import buildings_of, unit_by_code
from core.platform.uow import Database, UnitOfWork

AT_FORMAT = "%Y-%m-%d %H:%M"


def _n(value: int) -> str:
    """1234 → "1,234"."""
    return format_decimal(value, locale="en")


def _households(count: int) -> str:
    """ "1 household", "1,234 households"."""
    return f"{_n(count)} household" + ("" if count == 1 else "s")


def _reach(size: AudienceSize) -> str:
    """ "preview: reaches 120 households: 80 on the web, 40 on Telegram (…), nothing sent"."""
    if size.nobody:
        return (
            "preview: this notice would reach nobody (no household with a chat, or all opted out)"
        )
    return (
        f"preview: reaches {_households(size.will_receive)}: {_n(size.web)} on the web, "
        f"{_n(size.telegram)} on Telegram ({_n(size.opted_out)} opted out, "
        f"{_n(size.unreachable)} blocked the bot); nothing was scheduled"
    )


def _explain(refusal: DomainError) -> str:
    """A refusal as one line an operator can act on."""
    if isinstance(refusal, InvalidInput):
        hints = {
            "notice_text": f"--text must not be empty and at most {MAX_TEXT} characters",
            "send_at": "--at must be from now up to 30 days ahead (Shanghai time)",
            "kind": f"--kind must be one of {', '.join(NOTICE_KINDS)}",
        }
        hint = hints.get(str(refusal.field))
        return f"{hint} ({refusal.reason})" if hint else f"{refusal.field}: {refusal.reason}"
    if isinstance(refusal, NotFound):
        return f"no {refusal.what} {refusal.key!r}"
    return str(refusal)


async def _audience(
    uow: UnitOfWork,
    *,
    units: tuple[str, ...],
    city: bool,
    buildings: tuple[str, ...],
    group: str | None,
    flag: str | None,
) -> Audience:
    """The options as core's audience; a unit or building named but unknown is refused."""
    if city == bool(units):
        raise click.UsageError("name the audience: --unit CODE (one or more) or --city")
    unit_ids = [(await unit_by_code(uow, code)).id for code in dict.fromkeys(units)]
    single = unit_ids[0] if len(unit_ids) == 1 else None
    chosen = sum(1 for option in (buildings, group, flag) if option)
    if chosen > 1:
        raise click.UsageError("use one of --building, --group or --flag")
    if (buildings or group) and single is None:
        raise click.UsageError("--building and --group need exactly one --unit")
    if flag is not None and not city and single is None:
        raise click.UsageError("--flag needs exactly one --unit, or --city")
    if buildings:
        assert single is not None
        labels = {b.label: b.id for b in await buildings_of(uow, single)}
        unknown = [label for label in buildings if label not in labels]
        if unknown:
            raise click.UsageError(
                f"unknown building {unknown[0]!r} in {units[0]}: one of {', '.join(labels)}"
            )
        return SomeBuildings(tuple(labels[label] for label in dict.fromkeys(buildings)))
    if group is not None:
        return ValueGroup(Standing(group), single)
    if flag is not None:
        return FlaggedHouseholds(flag, single)
    if city:
        return WholeCity()
    if single is not None:
        return WholeUnit(single)
    return SomeUnits(tuple(unit_ids))


def _at(database: Database, text: str | None) -> dt.datetime | None:
    """ "2026-11-24 08:00" in Shanghai time → an aware instant (None: now)."""
    if text is None:
        return None
    try:
        naive = dt.datetime.strptime(text.strip(), AT_FORMAT)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time like 2026-11-24 08:00", param_hint="--at"
        ) from None
    return naive.replace(tzinfo=database.settings.tz)


def _local(database: Database, instant: dt.datetime) -> str:
    """An instant as Shanghai wall time."""
    return f"{instant.astimezone(database.settings.tz):{AT_FORMAT}}"


@click.command("broadcast")
@click.option("--kind", type=click.Choice(NOTICE_KINDS), help="What kind of notice.")
@click.option("--text", "text", default=None, help=f"The notice, 1–{MAX_TEXT} characters.")
@click.option("--unit", "units", multiple=True, help="A unit's code (repeat for several).")
@click.option("--city", is_flag=True, help="Every unit of the city.")
@click.option("--building", "buildings", multiple=True, help="A building label of the --unit.")
@click.option("--group", type=click.Choice([s.value for s in Standing]), help="A value group.")
@click.option("--flag", type=click.Choice(FLAGS), help="Households who shared this flag.")
@click.option("--at", "at", default=None, help='Send time "YYYY-MM-DD HH:MM" (Shanghai); now.')
@click.option("--photo", default=None, help="A Telegram file_id of a photo the bot already has.")
@click.option("--key", default=None, help="Idempotency key: the same key never sends twice.")
@click.option("--status-chat", default=None, help="A Telegram chat id to show progress in.")
@click.option(
    "--preview", is_flag=True, help="Only say whom it would reach (web and Telegram); send nothing."
)
@click.option("--list", "listing", is_flag=True, help="List HQ's notices still to send.")
@click.option("--cancel", "cancel_id", type=int, default=None, help="Cancel a notice by id.")
def broadcast_command(
    *,
    kind: str | None,
    text: str | None,
    units: tuple[str, ...],
    city: bool,
    buildings: tuple[str, ...],
    group: str | None,
    flag: str | None,
    at: str | None,
    photo: str | None,
    key: str | None,
    status_chat: str | None,
    preview: bool,
    listing: bool,
    cancel_id: int | None,
) -> None:
    """Schedule a notice to households (prints its id and audience), list or cancel notices."""
    if listing and cancel_id is not None:
        raise click.UsageError("use --list or --cancel, not both")
    if listing:
        with_database(_list)
        return
    if cancel_id is not None:
        with_database(lambda database: _cancel(database, cancel_id))
        return
    if kind is None or text is None:
        raise click.UsageError("--kind and --text are required to schedule a notice")
    if photo is not None and Path(photo).exists():
        raise click.UsageError(
            "--photo takes a Telegram file_id; local files are not uploaded from here"
        )

    async def work(database: Database) -> None:
        when = _at(database, at)
        render = notice_renderer(await signing_key(database), hq=True)
        async with database.uow() as uow:
            try:
                audience = await _audience(
                    uow, units=units, city=city, buildings=buildings, group=group, flag=flag
                )
                size = await audience_size(uow, None, audience, kind)
                if preview:
                    click.echo(_reach(size))
                    return
                if size.nobody:
                    raise click.ClickException(
                        "this notice would reach nobody: no household in that audience has a "
                        "Telegram or web chat with us, or all opted out; nothing was scheduled"
                    )
                made = await schedule_notice(
                    uow,
                    partner=None,
                    kind=kind,
                    text=text,
                    photo_ref=photo,
                    audience=audience,
                    send_at=when,
                    idempotency_key=key or f"notice:hq:{secrets.token_hex(8)}",
                    render=render,
                    status_chat=None if status_chat is None else StatusChat(status_chat),
                )
            except DomainError as refusal:
                raise click.ClickException(_explain(refusal)) from None
            await uow.commit()
        click.echo(
            f"broadcast {made.broadcast_id}: {kind} to {_households(made.will_receive)}: "
            f"{_n(made.web)} on the web, {_n(made.telegram)} on Telegram "
            f"({_n(size.opted_out)} opted out, {_n(size.unreachable)} blocked the bot), "
            f"sending {_local(database, made.send_at)} Shanghai time"
            + ("" if made.override_quiet else " (waits out quiet hours)")
        )

    with_database(work)


async def _list(database: Database) -> None:
    """HQ's notices still to send, soonest first."""
    async with database.uow() as uow:
        rows = await scheduled_notices(uow, None)
    if not rows:
        click.echo("no notices to send")
    for row in rows:
        words = row.preview.split("\n\n", 1)[-1].replace("\n", " ")
        words = words if len(words) <= 40 else words[:39] + "…"
        click.echo(
            f"{row.broadcast_id}  {_local(database, row.send_at)}  {row.kind:<9} {row.status:<9} "
            f"{_n(row.sent)}/{_n(row.total - row.opted_out)} sent  {words}"
        )


async def _cancel(database: Database, broadcast_id: int) -> None:
    """Cancel one notice: what was sent stays sent."""
    async with database.uow() as uow:
        try:
            stopped = await cancel_notice(uow, None, broadcast_id)
        except DomainError as refusal:
            raise click.ClickException(_explain(refusal)) from None
        await uow.commit()
    click.echo(
        f"cancelled broadcast {broadcast_id}: {_n(stopped.cancelled)} copies will not be sent "
        f"({_n(stopped.sent)} already sent)"
    )
