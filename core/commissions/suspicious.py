"""HQ's suspicious list: households and new-customer fees worth a second look.

Each row says why it is listed (``reason`` and its figures) and names the household's
new-customer fee, if it earned one, so HQ can reject it while it is held. Nothing here
changes anything; core/commissions/held.py does the rejecting.

Reasons:
- ``identity_households``: one identity (a browser, a Telegram account) created several
  households in one business day (it kept changing its address);
- ``origin_households``: several households created from one network address in a day;
- ``phone_households``: one phone number on identities of several households;
- ``small_first_order``: a fee-earning first order below LINLI_NEW_CUSTOMER_MIN_ORDER_FEN;
- ``cash_only``: a fee earned on a household whose every order the partner marked paid in
  cash (nothing a third party saw).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from core.commissions.held import HeldFee, fees_of
from core.models import Building, CommissionEntry, Customer, Household, Order, Unit
from core.models.commissions import NEW_CUSTOMER_HELD
from core.orders.status import Status
from core.platform.uow import UnitOfWork

IDENTITY, ORIGIN, PHONE, SMALL, CASH = (
    "identity_households",
    "origin_households",
    "phone_households",
    "small_first_order",
    "cash_only",
)
REASONS = (IDENTITY, ORIGIN, PHONE, SMALL, CASH)


def mask_phone(phone: str) -> str:
    """139****0000: enough for HQ to match, not enough to call."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


@dataclass(frozen=True)
class Suspicion:
    """One listed household and why."""

    reason: str
    household_id: int
    unit_code: str
    building_label: str
    room: str
    count: int = 0  # households of the identity/address/phone
    key: str = ""  # the identity id, network address or masked phone they share
    day: dt.date | None = None
    amount_fen: int | None = None  # the first order's total
    fee: HeldFee | None = None


@dataclass(frozen=True)
class _Door:
    unit_code: str
    building_label: str
    room: str


async def suspicious(uow: UnitOfWork, *, days: int = 7) -> list[Suspicion]:
    """Everything worth a look from the last ``days`` days, grouped by reason."""
    now = uow.clock.now()
    since = now - dt.timedelta(days=days)
    tz = uow.settings.tz
    found: list[tuple[str, int, dict[str, object]]] = []
    created = (
        await uow.session.execute(
            select(
                Household.id,
                Household.created_at,
                Household.created_by_customer_id,
                Household.created_from,
            ).where(Household.created_at >= since)
        )
    ).all()
    by_identity: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    by_origin: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    for household_id, at, by, origin in created:
        day = at.astimezone(tz).date()
        if by is not None:
            by_identity[(str(by), day)].append(household_id)
        if origin:
            by_origin[(origin, day)].append(household_id)
    for reason, groups in ((IDENTITY, by_identity), (ORIGIN, by_origin)):
        for (key, day), ids in sorted(groups.items()):
            if len(ids) > 1:
                found += [(reason, hid, {"count": len(ids), "key": key, "day": day}) for hid in ids]
    found += await _shared_phones(uow, since)
    found += await _fee_rows(uow, since)
    return await _with_doors_and_fees(uow, found)


async def _shared_phones(uow: UnitOfWork, since: dt.datetime) -> list[tuple[str, int, dict]]:
    """Households sharing one phone, when one of them is new in the window."""
    rows = (
        await uow.session.execute(
            select(Customer.phone, Customer.household_id, Household.created_at)
            .join(Household, Household.id == Customer.household_id)
            .where(Customer.phone.is_not(None))
            .distinct()
        )
    ).all()
    households: dict[str, dict[int, dt.datetime]] = defaultdict(dict)
    for phone, household_id, at in rows:
        households[phone][household_id] = at
    out = []
    for phone, seen in sorted(households.items()):
        if len(seen) > 1 and max(seen.values()) >= since:
            out += [
                (PHONE, hid, {"count": len(seen), "key": mask_phone(phone)}) for hid in sorted(seen)
            ]
    return out


async def _fee_rows(uow: UnitOfWork, since: dt.datetime) -> list[tuple[str, int, dict]]:
    """Fees earned in the window on small first orders, or on cash-only households."""
    minimum = uow.settings.new_customer_min_order_fen
    other = aliased(Order)
    not_cash = exists().where(
        other.household_id == CommissionEntry.household_id,
        other.status != Status.CANCELLED,
        or_(other.payment_method.is_(None), other.payment_method != "cash"),
    )
    rows = (
        await uow.session.execute(
            select(CommissionEntry.household_id, Order.total_fen, ~not_cash)
            .join(Order, Order.id == CommissionEntry.order_id)
            .where(
                CommissionEntry.kind == NEW_CUSTOMER_HELD,
                CommissionEntry.created_at >= since,
                CommissionEntry.household_id.is_not(None),
                or_(Order.total_fen < minimum, ~not_cash),
            )
            .order_by(CommissionEntry.id)
        )
    ).all()
    out = []
    for household_id, total_fen, cash_only in rows:
        if total_fen < minimum:
            out.append((SMALL, household_id, {"amount_fen": total_fen}))
        if cash_only:
            out.append((CASH, household_id, {"amount_fen": total_fen}))
    return out


async def _with_doors_and_fees(
    uow: UnitOfWork, found: list[tuple[str, int, dict]]
) -> list[Suspicion]:
    """Name each household's door and attach its fee."""
    ids = sorted({household_id for _, household_id, _ in found})
    doors: dict[int, _Door] = {}
    if ids:
        rows = await uow.session.execute(
            select(Household.id, Unit.code, Building.label, Household.room)
            .join(Building, Building.id == Household.building_id)
            .join(Unit, Unit.id == Household.unit_id)
            .where(Household.id.in_(ids))
        )
        doors = {hid: _Door(code, label, room) for hid, code, label, room in rows}
    fees = await fees_of(uow, ids)
    return [
        Suspicion(
            reason=reason,
            household_id=hid,
            unit_code=doors[hid].unit_code,
            building_label=doors[hid].building_label,
            room=doors[hid].room,
            fee=fees.get(hid),
            **values,  # type: ignore[arg-type]
        )
        for reason, hid, values in found
        if hid in doors
    ]
