"""Units, their buildings and partners: what HQ sets up before anyone can order."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import bindparam, exists, select, update

from core.catalog.reference import remembered
from core.errors import InvalidInput, NotFound, UnitHasActivePartner
from core.models import Building, Customer, Partner, Unit
from core.people.partner_devices import has_live_device
from core.people.web_tokens import pending_enrolment
from core.platform.uow import UnitOfWork

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
_LIST_SEPARATORS = re.compile(r"[,，、]")


def split_buildings(text: str) -> list[str]:
    """Building labels in walking order; operators type ASCII or Chinese commas (1栋，2栋)."""
    return [label.strip() for label in _LIST_SEPARATORS.split(text) if label.strip()]


async def create_unit(
    uow: UnitOfWork,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    area: str,
    buildings: list[str],
    cutoff: dt.time | None = None,
    window_start: dt.time | None = None,
    window_end: dt.time | None = None,
) -> Unit:
    """Create a unit with its buildings in walking order; times default to the settings."""
    settings = uow.settings
    if not _CODE.match(code):
        raise InvalidInput(field="code", reason="lowercase letters, digits and '-', 2–32 long")
    labels = [label.strip() for label in buildings if label.strip()]
    if not labels:
        raise InvalidInput(field="buildings", reason="a unit needs at least one building")
    if len(set(labels)) != len(labels):
        raise InvalidInput(field="buildings", reason="building labels must be unique")
    unit = Unit(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        area=area.strip(),
        cutoff=cutoff or settings.cutoff,
        window_start=window_start or settings.window_start,
        window_end=window_end or settings.window_end,
    )
    if not unit.cutoff < unit.window_start < unit.window_end:
        raise InvalidInput(field="window", reason="cutoff < window start < window end")
    if await uow.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise InvalidInput(field="code", reason=f"unit {code} exists already")
    uow.session.add(unit)
    await uow.session.flush()
    for order, label in enumerate(labels):
        uow.session.add(Building(unit_id=unit.id, label=label, sort_order=order))
    await uow.session.flush()
    return unit


async def unit_by_code(uow: UnitOfWork, code: str) -> Unit:
    """The unit named in a deep link or on the command line."""
    unit = await uow.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(what="unit", key=code)
    return unit


async def buildings_of(uow: UnitOfWork, unit_id: int) -> list[Building]:
    """Buildings in the order the partner walks them."""
    rows = await uow.session.scalars(
        select(Building).where(Building.unit_id == unit_id).order_by(Building.sort_order)
    )
    return list(rows)


async def may_be_partner(uow: UnitOfWork, telegram_id: int) -> bool:
    """False when no partner has this Telegram account (from a per-process set).

    Every menu and ``/start`` asks whether the sender is a partner; most senders are
    customers, and the set answers them without a query. True only means "look it up":
    the caller still reads the partner row (and whether it is active) in its transaction.
    A partner added in another process is recognised within ``STALE_AFTER``.
    """
    known = await remembered(uow, "partner_telegram_ids", _partner_telegram_ids)
    return telegram_id in known


async def _partner_telegram_ids(uow: UnitOfWork) -> frozenset[int]:
    """Every partner's Telegram account, active or not, read for the cache."""
    rows = await uow.session.scalars(
        select(Partner.telegram_id).where(Partner.telegram_id.is_not(None))
    )
    return frozenset(int(telegram_id) for telegram_id in rows)


async def active_partner(uow: UnitOfWork, unit_id: int) -> Partner | None:
    """The unit's one active partner, if it has one."""
    return await uow.session.scalar(
        select(Partner).where(Partner.unit_id == unit_id, Partner.active.is_(True))
    )


async def add_partner(
    uow: UnitOfWork,
    *,
    unit_code: str,
    name: str,
    telegram_id: int | None = None,
    phone: str | None = None,
    wechat: str | None = None,
    replace: bool = False,
) -> Partner:
    """Make ``name`` the unit's active partner; with ``replace`` the previous one retires."""
    unit = await unit_by_code(uow, unit_code)
    if not name.strip():
        raise InvalidInput(field="name", reason="a partner needs a name")
    current = await active_partner(uow, unit.id)
    now = uow.clock.now()
    if current is not None:
        if not replace:
            raise UnitHasActivePartner(unit_code=unit_code)
        await uow.session.execute(
            update(Partner).where(Partner.id == current.id).values(active=False, ended_at=now)
        )
    partner = Partner(
        unit_id=unit.id,
        name=name.strip(),
        telegram_id=telegram_id,
        phone=phone,
        wechat=wechat,
        invite_code=secrets.token_urlsafe(9),
        active=True,
        started_at=now,
    )
    uow.session.add(partner)
    await uow.session.flush()
    return partner


async def update_unit(
    uow: UnitOfWork,
    code: str,
    *,
    name_zh: str,
    name_en: str,
    area: str,
    cutoff: dt.time,
    window_start: dt.time,
    window_end: dt.time,
    active: bool = True,
) -> Unit:
    """Change a unit's names, area, cutoff and window (its code stays: it is in every link)."""
    unit = await unit_by_code(uow, code)
    for field, value in (("name_zh", name_zh), ("name_en", name_en), ("area", area)):
        if not value.strip():
            raise InvalidInput(field=field, reason="must not be empty")
    if not cutoff < window_start < window_end:
        raise InvalidInput(field="window", reason="cutoff < window start < window end")
    unit.name_zh, unit.name_en, unit.area = name_zh.strip(), name_en.strip(), area.strip()
    unit.cutoff, unit.window_start, unit.window_end = cutoff, window_start, window_end
    unit.active = active
    await uow.session.flush()
    return unit


async def add_building(uow: UnitOfWork, code: str, label: str) -> Building:
    """A new building at the end of the unit's walking order; a label twice is refused."""
    unit = await unit_by_code(uow, code)
    label = label.strip()
    if not label or len(label) > 40:
        raise InvalidInput(field="building", reason="a label of 1–40 characters")
    existing = await buildings_of(uow, unit.id)
    if any(building.label == label for building in existing):
        raise InvalidInput(field="building", reason=f"{label} exists already")
    last = max((building.sort_order for building in existing), default=-1)
    building = Building(unit_id=unit.id, label=label, sort_order=last + 1)
    uow.session.add(building)
    await uow.session.flush()
    return building


async def unit_by_id(uow: UnitOfWork, unit_id: int | None) -> Unit | None:
    """A unit by id; None when there is none (no unit chosen yet, a stale button)."""
    return await uow.session.get(Unit, unit_id) if unit_id is not None else None


async def building_by_id(uow: UnitOfWork, building_id: int | None) -> Building | None:
    """A building by id; None when there is none (no address yet, a stale button)."""
    return await uow.session.get(Building, building_id) if building_id else None


async def units_taking_customers(uow: UnitOfWork) -> list[Unit]:
    """Units a newcomer may join: open, and with an active partner to deliver."""
    has_partner = exists(
        select(Partner.id).where(Partner.unit_id == Unit.id, Partner.active.is_(True))
    )
    return list(await uow.session.scalars(select(Unit).where(Unit.active, has_partner)))


async def partner_by_id(uow: UnitOfWork, partner_id: int) -> Partner | None:
    """A partner by id, active or not (a win-back question remembers who asked)."""
    return await uow.session.get(Partner, partner_id)


_ACTIVE_PARTNER = select(Partner).where(
    Partner.telegram_id == bindparam("telegram_id"), Partner.active.is_(True)
)


async def active_partner_by_telegram(uow: UnitOfWork, telegram_id: int) -> Partner | None:
    """The active partner behind this Telegram account, if it is one.

    Most senders are customers: the per-process set answers them without a query; only a
    possible partner is read, in the caller's transaction, so a retired one is refused at once.
    """
    if not await may_be_partner(uow, telegram_id):
        return None
    return await uow.session.scalar(_ACTIVE_PARTNER, {"telegram_id": telegram_id})


async def reachable_partner(uow: UnitOfWork, customer: Customer) -> Partner | None:
    """The customer's partner, when their unit has an active one who can receive messages.

    Reachable on Telegram (a Telegram account), or on the web: a browser signed in as
    them, or an enrolment link waiting for them (what is written meanwhile waits in their
    web chat, ``core.people.partner_devices.partner_address``).
    """
    if customer.unit_id is None:
        return None
    partner = await active_partner(uow, customer.unit_id)
    if partner is None:
        return None
    if partner.telegram_id is not None or await reachable_on_web(uow, partner):
        return partner
    return None


async def reachable_on_web(uow: UnitOfWork, partner: Partner) -> bool:
    """A browser is signed in as the partner, or an enrolment link for them waits unused."""
    return await has_live_device(uow, partner.id) or await pending_enrolment(uow, partner.id)
