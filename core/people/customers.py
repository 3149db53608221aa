"""Customers: identities across channels, binding to a unit, address, phone, profile, opt-outs."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import InvalidInput, NotFound
from core.models import Building, ChannelIdentity, Customer, MessageOptOut, Order, Partner
from core.people.households import household_at
from core.people.rooms import normalise_room  # noqa: F401  (the flows' room check)
from core.platform.config import SUPPORTED_LOCALES
from core.platform.uow import UnitOfWork

CHANNELS = ("telegram", "web", "webchat", "memory")
OPT_OUT_TOPICS = ("deals", "notices", "events", "reminders", "winback", "reports")
# Mainland mobile numbers: 11 digits starting 1[3-9]; an optional +86 / 86 prefix is dropped.
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def normalise_phone(text: str) -> str:
    """A typed or shared phone as 11 digits, or InvalidInput saying why."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    match = _MOBILE.match(digits)
    if match is None:
        raise InvalidInput(field="phone", reason="an 11-digit mainland mobile number")
    return match.group(1)


async def customer_for_identity(
    uow: UnitOfWork, channel: str, external_id: str, *, locale: str | None = None
) -> Customer:
    """The customer behind a chat identity, created on first contact (race-safe)."""
    if channel not in CHANNELS:
        raise InvalidInput(field="channel", reason=f"one of {', '.join(CHANNELS)}")
    found = await _customer_by_identity(uow, channel, external_id)
    if found is not None:
        return found
    now = uow.clock.now()
    chosen = locale if locale in SUPPORTED_LOCALES else uow.settings.default_locale
    customer = Customer(locale=chosen, created_at=now)
    try:
        async with uow.session.begin_nested():
            uow.session.add(customer)
            await uow.session.flush()
            uow.session.add(
                ChannelIdentity(
                    channel=channel,
                    external_id=external_id,
                    customer_id=customer.id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            await uow.session.flush()
    except IntegrityError:
        found = await _customer_by_identity(uow, channel, external_id)
        if found is None:
            raise
        return found
    return customer


async def _customer_by_identity(uow: UnitOfWork, channel: str, external_id: str) -> Customer | None:
    """Look up a customer by (channel, external id)."""
    return await uow.session.scalar(
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )


async def get_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    """A customer by id, or NotFound."""
    customer = await uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(what="customer", key=customer_id)
    return customer


async def bind_to_unit(
    uow: UnitOfWork,
    customer: Customer,
    *,
    unit_id: int,
    partner: Partner | None = None,
    invite_code: str | None = None,
) -> bool:
    """Bind a customer to a unit once; a later link from another partner does not re-bind.

    Returns True when this call bound the customer. The referral (partner, invite code)
    is what later pays the partner for a net new customer, so it is written only once.
    """
    if customer.unit_id is not None:
        return False
    if partner is not None and partner.unit_id != unit_id:
        raise InvalidInput(field="partner", reason="partner belongs to another unit")
    customer.unit_id = unit_id
    customer.referred_by_partner_id = partner.id if partner else None
    customer.invite_code = invite_code
    customer.bound_at = uow.clock.now()
    await uow.session.flush()
    return True


async def set_address(
    uow: UnitOfWork,
    customer: Customer,
    *,
    building_id: int,
    room: str,
    origin: str | None = None,
) -> None:
    """Building must belong to the customer's unit; the identity joins that door's household.

    The room is stored as the household knows it (``12栋 1203`` in building 12 is
    ``1203``). ``origin`` is where the request came from (a web page's network address),
    kept on a household this call creates, for HQ's suspicious list.
    """
    building = await uow.session.get(Building, building_id)
    if building is None or building.unit_id != customer.unit_id:
        raise InvalidInput(field="building", reason="not a building of your unit")
    household = await household_at(uow, building, room, created_by=customer.id, origin=origin)
    customer.building_id = building.id
    customer.room = household.room
    customer.household_id = household.id
    await uow.session.flush()


async def set_phone(uow: UnitOfWork, customer: Customer, phone: str) -> None:
    """Store a validated phone number."""
    customer.phone = normalise_phone(phone)
    await uow.session.flush()


async def set_locale(uow: UnitOfWork, customer: Customer, locale: str) -> None:
    """Switch the language replies are written in."""
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(field="locale", reason=f"one of {', '.join(SUPPORTED_LOCALES)}")
    customer.locale = locale
    await uow.session.flush()


async def set_household_profile(
    uow: UnitOfWork,
    customer: Customer,
    *,
    consent: bool,
    elderly: bool = False,
    children: bool = False,
    pregnant: bool = False,
) -> None:
    """Household flags are kept only with consent; withdrawing consent clears them."""
    if consent:
        customer.has_elderly, customer.has_children, customer.has_pregnant = (
            elderly,
            children,
            pregnant,
        )
        customer.profile_consent_at = uow.clock.now()
    else:
        customer.has_elderly = customer.has_children = customer.has_pregnant = False
        customer.profile_consent_at = None
    await uow.session.flush()


async def set_opt_out(uow: UnitOfWork, customer: Customer, topic: str, *, opted_out: bool) -> None:
    """Opt out of (or back into) one category of messages."""
    if topic not in OPT_OUT_TOPICS:
        raise InvalidInput(field="topic", reason=f"one of {', '.join(OPT_OUT_TOPICS)}")
    await uow.session.execute(
        delete(MessageOptOut).where(
            MessageOptOut.customer_id == customer.id, MessageOptOut.topic == topic
        )
    )
    if opted_out:
        uow.session.add(
            MessageOptOut(customer_id=customer.id, topic=topic, created_at=uow.clock.now())
        )
    await uow.session.flush()


async def opt_outs(uow: UnitOfWork, customer_id: int) -> set[str]:
    """The topics this customer does not want."""
    rows = await uow.session.scalars(
        select(MessageOptOut.topic).where(MessageOptOut.customer_id == customer_id)
    )
    return set(rows)


async def live_order_count(uow: UnitOfWork, customer_id: int) -> int:
    """Orders that still count (not cancelled); zero means the next order is the first."""
    count = await uow.session.scalar(_LIVE_ORDERS, {"customer_id": customer_id})
    return int(count or 0)


# Built once: the cart asks on every view (building a statement costs more than running it).
_LIVE_ORDERS = (
    select(func.count())
    .select_from(Order)
    .where(Order.customer_id == bindparam("customer_id"), Order.status != "cancelled")
)


async def customer_by_id(uow: UnitOfWork, customer_id: int) -> Customer | None:
    """A customer by id; None when there is none (a stale button, a forged id)."""
    return await uow.session.get(Customer, customer_id)


# When an identity was last used: its last message in, else when it joined.
_LAST_USED = func.coalesce(ChannelIdentity.last_seen_at, ChannelIdentity.created_at)
# ``last_seen_at`` is written at most this often per identity: one UPDATE a minute, not one
# per message, is enough to know which channel a person uses now.
SEEN_EVERY = dt.timedelta(minutes=1)


def _newest_first() -> tuple[object, object]:
    return _LAST_USED.desc(), ChannelIdentity.id.desc()


async def touch_identity(uow: UnitOfWork, channel: str, external_id: str) -> bool:
    """Note that a message came in through this identity; True when the row was written.

    The WHERE skips the write while the last note is under ``SEEN_EVERY`` old, so a busy
    chat costs one cheap indexed statement that changes nothing.
    """
    now = uow.clock.now()
    result = await uow.session.execute(
        update(ChannelIdentity)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
            or_(
                ChannelIdentity.last_seen_at.is_(None),
                ChannelIdentity.last_seen_at < now - SEEN_EVERY,
            ),
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def newest_identity(uow: UnitOfWork, customer_id: int) -> ChannelIdentity | None:
    """Where the customer chats with us now: the chat account they used last."""
    return await uow.session.scalar(
        select(ChannelIdentity)
        .where(ChannelIdentity.customer_id == customer_id)
        .order_by(*_newest_first())
        .limit(1)
    )


async def newest_identities(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, ChannelIdentity]:
    """Each customer's chat account used last, in one query; customers with none are left out."""
    if not customer_ids:
        return {}
    rows = await uow.session.scalars(
        select(ChannelIdentity)
        .where(ChannelIdentity.customer_id.in_(customer_ids))
        .order_by(_LAST_USED, ChannelIdentity.id)
    )
    return {row.customer_id: row for row in rows}  # the one used last wins


async def locales_of(uow: UnitOfWork, customer_ids: list[int]) -> dict[int, str]:
    """Each customer's language, in one query."""
    if not customer_ids:
        return {}
    found = await uow.session.execute(
        select(Customer.id, Customer.locale).where(Customer.id.in_(customer_ids))
    )
    return {customer_id: locale for customer_id, locale in found}


async def locale_of_account(
    uow: UnitOfWork, channels: frozenset[str], external_id: str
) -> str | None:
    """The language chosen by whoever uses this chat account as a customer, if anyone."""
    return await uow.session.scalar(
        select(Customer.locale)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel.in_(channels), ChannelIdentity.external_id == external_id)
        .limit(1)
    )
