"""Held new-customer fees: released after the hold or at the door, or rejected by HQ.

Each settlement is one ledger entry under the household's settle key (see
core/commissions/ledger.py), so a release racing a rejection or a refund writes only one
of them, and running the daily release twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from core.commissions.ledger import (
    entry_by_key,
    held_fee_key,
    release,
    settle_held,
    settle_key,
)
from core.errors import InvalidInput, NotFound
from core.models import CommissionEntry, Order
from core.models.commissions import (
    CLAWBACK_NEW_CUSTOMER,
    NEW_CUSTOMER_HELD,
    NEW_CUSTOMER_REJECTED,
    NEW_CUSTOMER_RELEASED,
)
from core.orders.status import Status
from core.platform.uow import UnitOfWork

MAX_REASON = 200
HELD, RELEASED, REJECTED, CLAWED_BACK = "held", "released", "rejected", "clawed_back"
_STATUS = {
    NEW_CUSTOMER_RELEASED: RELEASED,
    NEW_CUSTOMER_REJECTED: REJECTED,
    CLAWBACK_NEW_CUSTOMER: CLAWED_BACK,
}


def _refunded(household_id: object) -> object:
    """Some order of the household was refunded."""
    return exists().where(Order.household_id == household_id, Order.status == Status.REFUNDED)


def _settled(entry: type[CommissionEntry]) -> object:
    """The held entry ``entry`` already has its settlement."""
    other = aliased(CommissionEntry)
    return exists().where(
        other.household_id == entry.household_id,
        other.kind.in_(tuple(_STATUS)),
        other.held_fen < 0,
    )


async def release_due(uow: UnitOfWork) -> int:
    """Release every fee held for the whole hold whose household has had no refund."""
    until = uow.clock.now() - dt.timedelta(days=uow.settings.new_customer_hold_days)
    due = await uow.session.scalars(
        select(CommissionEntry.household_id)
        .where(
            CommissionEntry.kind == NEW_CUSTOMER_HELD,
            CommissionEntry.created_at <= until,
            ~_settled(CommissionEntry),
            ~_refunded(CommissionEntry.household_id),
        )
        .order_by(CommissionEntry.id)
    )
    released = 0
    for household_id in list(due):
        if household_id is not None and await release(uow, household_id):
            released += 1
    return released


async def release_confirmed(uow: UnitOfWork, household_id: int) -> bool:
    """The partner confirmed the household at its door: its held fee is released now."""
    refunded = await uow.session.scalar(select(_refunded(household_id)))
    if refunded:
        return False
    return await release(uow, household_id)


async def reject(uow: UnitOfWork, entry_id: int, reason: str) -> CommissionEntry:
    """HQ refuses a held fee, with a reason: an entry, never a deletion."""
    why = (reason or "").strip()[:MAX_REASON]
    if not why:
        raise InvalidInput(field="reason", reason="say why")
    held = await uow.session.get(CommissionEntry, entry_id)
    if held is None or held.kind != NEW_CUSTOMER_HELD or held.household_id is None:
        raise NotFound(what="held fee", key=entry_id)
    await settle_held(
        uow, held, held.household_id, kind=NEW_CUSTOMER_REJECTED, amount_fen=0, reason=why
    )
    settled = await entry_by_key(uow, settle_key(held.household_id))
    assert settled is not None
    if settled.kind != NEW_CUSTOMER_REJECTED:
        raise InvalidInput(field="entry", reason=f"already {_STATUS[settled.kind]}")
    return settled


@dataclass(frozen=True)
class HeldFee:
    """A household's new-customer fee and where it stands."""

    entry_id: int
    household_id: int
    partner_id: int
    order_id: int | None
    amount_fen: int
    created_at: dt.datetime
    status: str  # held | released | rejected | clawed_back
    reason: str | None


async def fees_of(uow: UnitOfWork, household_ids: list[int]) -> dict[int, HeldFee]:
    """The fee each of these households earned (if any), with its status."""
    if not household_ids:
        return {}
    rows = await uow.session.scalars(
        select(CommissionEntry)
        .where(
            CommissionEntry.household_id.in_(household_ids),
            CommissionEntry.kind.in_((NEW_CUSTOMER_HELD, *_STATUS)),
        )
        .order_by(CommissionEntry.id)
    )
    held: dict[int, CommissionEntry] = {}
    settled: dict[int, CommissionEntry] = {}
    for entry in rows:
        assert entry.household_id is not None
        if entry.kind == NEW_CUSTOMER_HELD:
            held[entry.household_id] = entry
        elif entry.held_fen < 0:
            settled[entry.household_id] = entry
    out = {}
    for household_id, entry in held.items():
        end = settled.get(household_id)
        out[household_id] = HeldFee(
            entry_id=entry.id,
            household_id=household_id,
            partner_id=entry.partner_id,
            order_id=entry.order_id,
            amount_fen=entry.held_fen,
            created_at=entry.created_at,
            status=HELD if end is None else _STATUS[end.kind],
            reason=end.reason if end is not None else None,
        )
    return out


async def held_fee_of(uow: UnitOfWork, household_id: int) -> CommissionEntry | None:
    """The held entry of a household's fee, if it earned one."""
    return await entry_by_key(uow, held_fee_key(household_id))
