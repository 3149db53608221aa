"""A partner's devices: the browsers signed in as them, and where a partner is reached.

A sign-in or enrolment link (``core.people.web_tokens``) binds a browser for
``LINLI_PARTNER_DEVICE_DAYS``: its cookie keeps a random key, the row keeps the key's
SHA-256, when it was enrolled, last seen, and which browser (its User-Agent). HQ revokes
a device on the unit page; that browser's next request is a customer's again.

Where a partner reads their messages: on Telegram when they have an account there
(exactly as before), else in their web chat (channel "web", chat ``partner-<id>``), which
only a browser signed in as them can open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select, update

from core.models import Partner, PartnerDevice
from core.platform.uow import UnitOfWork

TELEGRAM, WEB = "telegram", "web"
WEB_PARTNER_PREFIX = "partner-"
_WEB_PARTNER = re.compile(r"^partner-([0-9]{1,12})$")
SEEN_EVERY = dt.timedelta(minutes=5)  # last_seen_at is written at most this often
MAX_USER_AGENT = 200


def web_chat_id(partner_id: int) -> str:
    """The partner's web chat (never a customer's: those are random ``w…`` ids)."""
    return f"{WEB_PARTNER_PREFIX}{partner_id}"


def web_partner_id(channel: str, chat_id: str) -> int | None:
    """The partner whose web chat this is; None for any other chat."""
    if channel != WEB:
        return None
    found = _WEB_PARTNER.match(chat_id)
    return int(found.group(1)) if found else None


def partner_address(partner: Partner) -> tuple[str, str]:
    """Where messages for ``partner`` go: their Telegram chat, else their web chat."""
    if partner.telegram_id is not None:
        return TELEGRAM, str(partner.telegram_id)
    return WEB, web_chat_id(partner.id)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def enrol_device(uow: UnitOfWork, partner: Partner, user_agent: str = "") -> str:
    """Bind a browser to ``partner``: the key its cookie keeps (the row keeps its hash)."""
    now = uow.clock.now()
    key = secrets.token_urlsafe(24)
    uow.session.add(
        PartnerDevice(
            partner_id=partner.id,
            key_hash=_hash(key),
            user_agent=(user_agent or "")[:MAX_USER_AGENT],
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(days=uow.settings.partner_device_days),
        )
    )
    await uow.session.flush()
    return key


async def partner_of_device(uow: UnitOfWork, key: str, *, touch: bool = True) -> Partner | None:
    """The active partner a browser's key stands for; None when revoked, expired or unknown.

    ``touch``: note the visit (at most every few minutes, so a busy page writes rarely).
    """
    if not key or len(key) > 64:
        return None
    now = uow.clock.now()
    device = await uow.session.scalar(
        select(PartnerDevice).where(PartnerDevice.key_hash == _hash(key))
    )
    if device is None or device.revoked_at is not None or device.expires_at <= now:
        return None
    partner = await uow.session.get(Partner, device.partner_id)
    if partner is None or not partner.active:
        return None
    if touch and now - device.last_seen_at >= SEEN_EVERY:
        device.last_seen_at = now
        await uow.session.flush()
    return partner


async def devices_of(uow: UnitOfWork, partner_id: int) -> list[PartnerDevice]:
    """A partner's devices, newest first (revoked and expired ones too, for HQ to see)."""
    rows = await uow.session.scalars(
        select(PartnerDevice)
        .where(PartnerDevice.partner_id == partner_id)
        .order_by(PartnerDevice.created_at.desc(), PartnerDevice.id.desc())
    )
    return list(rows)


async def revoke_device(uow: UnitOfWork, device_id: int) -> bool:
    """Sign that browser out as a partner; False when it was revoked already or is unknown."""
    result = await uow.session.execute(
        update(PartnerDevice)
        .where(PartnerDevice.id == device_id, PartnerDevice.revoked_at.is_(None))
        .values(revoked_at=uow.clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def forget_device(uow: UnitOfWork, key: str) -> None:
    """The partner signed out of this browser: its device is revoked."""
    await uow.session.execute(
        update(PartnerDevice)
        .where(PartnerDevice.key_hash == _hash(key), PartnerDevice.revoked_at.is_(None))
        .values(revoked_at=uow.clock.now())
        .execution_options(synchronize_session=False)
    )


async def has_live_device(uow: UnitOfWork, partner_id: int) -> bool:
    """True when some browser is signed in as the partner (not revoked, not expired)."""
    found = await uow.session.scalar(
        select(PartnerDevice.id)
        .where(
            PartnerDevice.partner_id == partner_id,
            PartnerDevice.revoked_at.is_(None),
            PartnerDevice.expires_at > uow.clock.now(),
        )
        .limit(1)
    )
    return found is not None
