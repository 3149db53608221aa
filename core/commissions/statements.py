"""Partner statements for a month: opening balance, the month's entries, closing balance.

Nothing stores a balance: the opening is the sum of every entry before the month and the
closing is the opening plus the month's entries, so a statement can never drift from the
ledger it is read from. Two balances are kept that way: what is payable (``amount_fen``)
and what is held (``held_fen``: new-customer fees in their hold, not payable). Held,
released and rejected fees are entries of their own kinds, so statements show them apart.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, select

from core.errors import InvalidInput, NotFound
from core.models import CommissionEntry, Order, Partner, Unit
from core.money import yuan_str
from core.platform.uow import UnitOfWork

MONTH_FORMAT = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CSV_HEADER = (
    "partner_id",
    "partner",
    "unit",
    "month",
    "created_at",
    "kind",
    "order_no",
    "customer_id",
    "amount_fen",
    "amount_yuan",
    "held_fen",
    "reason",
)
OPENING = "opening_balance"


def check_month(month: str) -> str:
    """A month is "YYYY-MM"; anything else would silently match no entry."""
    text = (month or "").strip()
    if not MONTH_FORMAT.fullmatch(text):
        raise InvalidInput(field="month", reason="a month like 2026-11")
    return text


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry as a statement shows it."""

    entry_id: int
    created_at: str
    kind: str
    amount_fen: int
    order_id: int | None
    order_no: str | None
    customer_id: int | None
    held_fen: int = 0
    household_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Statement:
    """What a partner had, earned and gave back in one month."""

    partner_id: int
    partner_name: str
    unit_code: str
    month: str
    opening_fen: int
    lines: tuple[StatementLine, ...]
    opening_held_fen: int = 0

    @property
    def earned_fen(self) -> int:
        """The month's movement: the sum of its entries."""
        return sum(line.amount_fen for line in self.lines)

    @property
    def closing_fen(self) -> int:
        """Opening plus the month's entries, always."""
        return self.opening_fen + self.earned_fen

    @property
    def held_movement_fen(self) -> int:
        """What the month added to (or took from) the held balance."""
        return sum(line.held_fen for line in self.lines)

    @property
    def closing_held_fen(self) -> int:
        """Fees still held at the end of the month: earned, not payable yet."""
        return self.opening_held_fen + self.held_movement_fen


async def statement(uow: UnitOfWork, partner_id: int, month: str) -> Statement:
    """One partner's statement for ``month`` ("2026-11", Asia/Shanghai months)."""
    wanted = check_month(month)
    row = (
        await uow.session.execute(
            select(Partner.name, Unit.code)
            .join(Unit, Unit.id == Partner.unit_id)
            .where(Partner.id == partner_id)
        )
    ).first()
    if row is None:
        raise NotFound(what="partner", key=partner_id)
    name, unit_code = row
    before = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(CommissionEntry.amount_fen), 0),
                func.coalesce(func.sum(CommissionEntry.held_fen), 0),
            ).where(CommissionEntry.partner_id == partner_id, CommissionEntry.month < wanted)
        )
    ).one()
    opening, opening_held = before
    rows = await uow.session.execute(
        select(CommissionEntry, Order.order_no)
        .outerjoin(Order, Order.id == CommissionEntry.order_id)
        .where(CommissionEntry.partner_id == partner_id, CommissionEntry.month == wanted)
        .order_by(CommissionEntry.created_at, CommissionEntry.id)
    )
    lines = tuple(
        StatementLine(
            entry_id=entry.id,
            created_at=entry.created_at.isoformat(),
            kind=entry.kind,
            amount_fen=entry.amount_fen,
            order_id=entry.order_id,
            order_no=order_no,
            customer_id=entry.customer_id,
            held_fen=entry.held_fen,
            household_id=entry.household_id,
            reason=entry.reason,
        )
        for entry, order_no in rows
    )
    return Statement(
        partner_id=partner_id,
        partner_name=name,
        unit_code=unit_code,
        month=wanted,
        opening_fen=int(opening or 0),
        lines=lines,
        opening_held_fen=int(opening_held or 0),
    )


async def statements_for(
    uow: UnitOfWork, month: str, unit_code: str | None = None
) -> list[Statement]:
    """Statements of every partner with entries up to ``month``, optionally of one unit.

    A partner with nothing in the ledger yet has nothing to state and is left out; a
    partner with an opening balance but a quiet month still gets a statement.
    """
    wanted = check_month(month)
    query = (
        select(Partner.id)
        .join(Unit, Unit.id == Partner.unit_id)
        .where(
            select(CommissionEntry.id)
            .where(CommissionEntry.partner_id == Partner.id, CommissionEntry.month <= wanted)
            .exists()
        )
        .order_by(Unit.code, Partner.id)
    )
    if unit_code is not None:
        unit = await uow.session.scalar(select(Unit.id).where(Unit.code == unit_code))
        if unit is None:
            raise NotFound(what="unit", key=unit_code)
        query = query.where(Unit.id == unit)
    partner_ids = (await uow.session.scalars(query)).all()
    return [await statement(uow, partner_id, wanted) for partner_id in partner_ids]


def write_csv(statements: list[Statement], out: TextIO) -> int:
    """Write statements as CSV: per partner an opening row, then the month's entries.

    The amount_fen column of all rows of a partner sums to that partner's closing balance,
    the held_fen column to the fees still held.
    Returns the number of data rows written.
    """
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    for item in statements:
        head = (item.partner_id, item.partner_name, item.unit_code, item.month)
        opening = (item.opening_fen, yuan_str(item.opening_fen), item.opening_held_fen, "")
        writer.writerow((*head, "", OPENING, "", "", *opening))
        count += 1
        for line in item.lines:
            writer.writerow(
                (
                    *head,
                    line.created_at,
                    line.kind,
                    line.order_no or "",
                    "" if line.customer_id is None else line.customer_id,
                    line.amount_fen,
                    yuan_str(line.amount_fen),
                    line.held_fen,
                    line.reason or "",
                )
            )
            count += 1
    return count


async def months_with_entries(uow: UnitOfWork, partner_id: int, before: str) -> list[str]:
    """The partner's months with ledger entries before ``before``, newest first."""
    months = await uow.session.scalars(
        select(CommissionEntry.month)
        .where(
            CommissionEntry.partner_id == partner_id, CommissionEntry.month < check_month(before)
        )
        .distinct()
        .order_by(CommissionEntry.month.desc())
    )
    return list(months)


def totals_by_kind(lines: tuple[StatementLine, ...]) -> dict[str, tuple[int, int, int]]:
    """Per entry kind: how many entries, their payable sum and their held sum, in fen."""
    totals: dict[str, tuple[int, int, int]] = {}
    for line in lines:
        count, fen, held = totals.get(line.kind, (0, 0, 0))
        totals[line.kind] = (count + 1, fen + line.amount_fen, held + line.held_fen)
    return totals
