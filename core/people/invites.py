"""Deep-link payloads: a partner's invite (``i<code>``) and a leaflet QR (``i<code>b<n>``).

Telegram passes ``/start PAYLOAD`` with PAYLOAD limited to ``A-Z a-z 0-9 _ -`` and 64
characters. An invite code is a partner's ``invite_code`` (12 characters of that
alphabet, see ``core.people.units.add_partner``); ``n`` is a building's ``sort_order`` so the
printed QR code survives a relabelled building. Anything else is not an invite, and the
customer simply chooses their neighbourhood by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select

from core.models import Building, Partner, Unit
from core.people.units import active_partner
from core.platform.uow import UnitOfWork

INVITE_CODE_LENGTH = 12  # secrets.token_urlsafe(9)
MAX_BUILDING_ORDER = 9999
MAX_PAYLOAD = 64  # Telegram's limit for a start parameter
_CODE = re.compile(rf"[A-Za-z0-9_-]{{{INVITE_CODE_LENGTH}}}")
_PAYLOAD = re.compile(
    rf"i(?P<code>[A-Za-z0-9_-]{{{INVITE_CODE_LENGTH}}})(?:b(?P<order>[0-9]{{1,4}}))?"
)


@dataclass(frozen=True)
class StartPayload:
    """An invite read from a deep link: whose code, and which building if a leaflet said."""

    invite_code: str
    building_order: int | None = None


class Invite(NamedTuple):
    """What an invite resolves to: the partner credited, their unit, the preselected building."""

    partner: Partner
    unit: Unit
    building: Building | None


def invite_link_payload(invite_code: str, building_order: int | None = None) -> str:
    """The start parameter for a partner's link, or a leaflet QR naming a building."""
    if not _CODE.fullmatch(invite_code or ""):
        raise ValueError(f"an invite code is {INVITE_CODE_LENGTH} characters of A-Z a-z 0-9 _ -")
    if building_order is None:
        return f"i{invite_code}"
    if not 0 <= building_order <= MAX_BUILDING_ORDER:
        raise ValueError(f"building order must be 0–{MAX_BUILDING_ORDER}")
    return f"i{invite_code}b{building_order}"


def parse_start_payload(text: object) -> StartPayload | None:
    """The invite in a ``/start`` parameter, or None for anything else (never raises)."""
    if not isinstance(text, str):
        return None
    candidate = text.strip()
    if not candidate or len(candidate) > MAX_PAYLOAD:
        return None
    match = _PAYLOAD.fullmatch(candidate)
    if match is None:
        return None
    order = match.group("order")
    return StartPayload(match.group("code"), int(order) if order is not None else None)


async def resolve_invite(uow: UnitOfWork, payload: StartPayload) -> Invite | None:
    """The partner, unit and building an invite stands for; None when it leads nowhere.

    A retired partner's leaflets keep working: the customer still joins that unit, and
    the referral goes to the unit's current active partner, who will serve them. A unit
    that is closed or has no active partner cannot take customers, so that is None too.
    """
    partner = await uow.session.scalar(
        select(Partner).where(Partner.invite_code == payload.invite_code)
    )
    if partner is None:
        return None
    unit = await uow.session.get(Unit, partner.unit_id)
    if unit is None or not unit.active:
        return None
    if not partner.active:
        partner = await active_partner(uow, unit.id)
        if partner is None:
            return None
    building = None
    if payload.building_order is not None:
        building = await uow.session.scalar(
            select(Building).where(
                Building.unit_id == unit.id, Building.sort_order == payload.building_order
            )
        )
    return Invite(partner, unit, building)
