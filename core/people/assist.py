"""A partner's assisted link: one-time, short-lived, starts a guided first order at the door.

Redeeming it binds a new customer to the partner's unit with that partner as the referrer
(so the customer counts as the partner's), and switches guided mode on.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update

from core.errors import DomainError, InvalidInput, NotFound
from core.models import AssistToken, Customer, Partner
from core.people.customers import bind_to_unit
from core.platform.uow import UnitOfWork

MAX_TTL_MINUTES = 24 * 60


class AssistLinkInvalid(DomainError):
    """The link is unknown, already used, expired, or its partner has retired."""

    code = "assist_link_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


async def create_assist_token(uow: UnitOfWork, partner_id: int, ttl_minutes: int = 30) -> str:
    """A fresh token for an active partner, valid for ``ttl_minutes``."""
    whole = isinstance(ttl_minutes, int) and not isinstance(ttl_minutes, bool)
    if not whole or not 1 <= ttl_minutes <= MAX_TTL_MINUTES:
        raise InvalidInput(field="ttl_minutes", reason=f"1 to {MAX_TTL_MINUTES} minutes")
    partner = await uow.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise NotFound(what="partner", key=partner_id)
    now = uow.clock.now()
    token = secrets.token_urlsafe(12)
    uow.session.add(
        AssistToken(
            token=token,
            partner_id=partner.id,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=ttl_minutes),
        )
    )
    await uow.session.flush()
    return token


async def redeem_assist_token(uow: UnitOfWork, token: str, customer: Customer) -> Partner:
    """Use the link once: bind (never re-bind) the customer, turn guided mode on.

    The claim is one conditional UPDATE, so two people opening the same link at once
    cannot both use it, on SQLite or PostgreSQL.
    """
    token = (token or "").strip()
    now = uow.clock.now()
    claimed = await uow.session.execute(
        update(AssistToken)
        .where(
            AssistToken.token == token,
            AssistToken.used_at.is_(None),
            AssistToken.expires_at > now,
        )
        .values(used_at=now, customer_id=customer.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise AssistLinkInvalid(reason=await _why_unusable(uow, token))
    partner_id = await uow.session.scalar(
        select(AssistToken.partner_id).where(AssistToken.token == token)
    )
    partner = await uow.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise AssistLinkInvalid(reason="partner_retired")
    await bind_to_unit(uow, customer, unit_id=partner.unit_id, partner=partner)
    customer.guided = True
    await uow.session.flush()
    return partner


async def _why_unusable(uow: UnitOfWork, token: str) -> str:
    """Unknown, used or expired: for logs and tests; people see one sentence."""
    row = await uow.session.scalar(select(AssistToken).where(AssistToken.token == token))
    if row is None:
        return "unknown"
    return "used" if row.used_at is not None else "expired"
