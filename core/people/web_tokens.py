"""One-time, expiring tokens for the web: a partner's sign-in link, a customer's Telegram link.

A partner signs in with one of two links: the one the cockpit sends on Telegram
(``partner``, 15 minutes) or HQ's enrolment link (``enrol``, 24 hours: for a partner who
may never use Telegram). Either binds the browser as one of the partner's devices
(``core.people.partner_devices``).

A token works once: redeeming it is one conditional UPDATE (unused, unexpired, of its
kind), so two tabs opening the same link cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from enum import Enum

from sqlalchemy import func, select, update

from core.models import ChannelIdentity, Order, Partner, WebToken
from core.platform.uow import UnitOfWork

PARTNER, ENROL, LINK = "partner", "enrol", "link"
PARTNER_TTL = dt.timedelta(minutes=15)
ENROL_TTL = dt.timedelta(hours=24)
LINK_TTL = dt.timedelta(minutes=30)
LINK_PREFIX = "link-"  # ``/start link-XXXX`` in the other channel


class Linked(Enum):
    """What became of a link code."""

    LINKED = "linked"
    ALREADY = "already"  # that account was this customer's already
    TAKEN = "taken"  # that account belongs to a customer with orders of their own
    INVALID = "invalid"  # unknown, used or expired


async def _issue(
    uow: UnitOfWork,
    kind: str,
    ttl: dt.timedelta,
    *,
    partner_id: int | None = None,
    customer_id: int | None = None,
) -> str:
    """A fresh random token of ``kind``, valid for ``ttl`` (not committed)."""
    now = uow.clock.now()
    token = secrets.token_urlsafe(18)  # 24 characters of A-Z a-z 0-9 _ -
    uow.session.add(
        WebToken(
            token=token,
            kind=kind,
            partner_id=partner_id,
            customer_id=customer_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await uow.session.flush()
    return token


async def _redeem(uow: UnitOfWork, kind: str | tuple[str, ...], token: str) -> WebToken | None:
    """Use ``token`` once; None when it is unknown, used, expired or of another kind."""
    if not token or len(token) > 32:
        return None
    kinds = (kind,) if isinstance(kind, str) else kind
    now = uow.clock.now()
    result = await uow.session.execute(
        update(WebToken)
        .where(
            WebToken.token == token,
            WebToken.kind.in_(kinds),
            WebToken.used_at.is_(None),
            WebToken.expires_at > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await uow.session.get(WebToken, token)


async def partner_signin_token(uow: UnitOfWork, partner: Partner) -> str:
    """A sign-in link's token for ``partner`` (``/p/<token>``), good for 15 minutes, once."""
    return await _issue(uow, PARTNER, PARTNER_TTL, partner_id=partner.id)


async def partner_enrolment_token(uow: UnitOfWork, partner: Partner) -> str:
    """HQ's enrolment link's token for ``partner`` (``/p/<token>``): 24 hours, once.

    Unlike the cockpit's sign-in link it needs no Telegram account: the browser that
    opens it becomes one of the partner's devices, their one channel if they have no other.
    """
    return await _issue(uow, ENROL, ENROL_TTL, partner_id=partner.id)


async def partner_enrolment_link(uow: UnitOfWork, partner: Partner) -> str:
    """``LINLI_WEB_URL/p/<token>``: HQ's one-time, 24-hour partner sign-in link (not committed)."""
    token = await partner_enrolment_token(uow, partner)
    return f"{uow.settings.web_address}/p/{token}"


async def partner_signing_in(uow: UnitOfWork, token: str) -> Partner | None:
    """The active partner a sign-in or enrolment token stands for, using it up; None otherwise."""
    used = await _redeem(uow, (PARTNER, ENROL), token)
    if used is None or used.partner_id is None:
        return None
    partner = await uow.session.get(Partner, used.partner_id)
    if partner is None or not partner.active:
        return None
    return partner


async def pending_enrolment(uow: UnitOfWork, partner_id: int) -> bool:
    """True while an enrolment link for the partner waits unused and unexpired."""
    found = await uow.session.scalar(
        select(WebToken.token)
        .where(
            WebToken.partner_id == partner_id,
            WebToken.kind == ENROL,
            WebToken.used_at.is_(None),
            WebToken.expires_at > uow.clock.now(),
        )
        .limit(1)
    )
    return found is not None


async def link_code(uow: UnitOfWork, customer_id: int) -> str:
    """A code that attaches another chat account to ``customer_id`` (``/start link-<code>``)."""
    return await _issue(uow, LINK, LINK_TTL, customer_id=customer_id)


async def link_identity(uow: UnitOfWork, code: str, channel: str, external_id: str) -> Linked:
    """Attach ``channel``/``external_id`` to the customer who asked for ``code``.

    An account that already belongs to someone else moves over only while that other
    customer has no orders (a fresh chat opened just to follow the link); otherwise the
    two stay apart and the customer is told so.
    """
    used = await _redeem(uow, LINK, code)
    if used is None or used.customer_id is None:
        return Linked.INVALID
    identity = await uow.session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )
    if identity is None:
        uow.session.add(
            ChannelIdentity(
                channel=channel,
                external_id=external_id,
                customer_id=used.customer_id,
                created_at=uow.clock.now(),
            )
        )
        await uow.session.flush()
        return Linked.LINKED
    if identity.customer_id == used.customer_id:
        return Linked.ALREADY
    orders = await uow.session.scalar(
        select(func.count()).select_from(Order).where(Order.customer_id == identity.customer_id)
    )
    if orders:
        return Linked.TAKEN
    identity.customer_id = used.customer_id
    identity.created_at = uow.clock.now()  # the newest account is where answers go
    await uow.session.flush()
    return Linked.LINKED
