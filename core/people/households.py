"""Households: joining one when an address is set, and who counts as "the same" customer.

A household is a unit's building + normalised room (core/people/rooms.py). Every customer
identity with an address belongs to exactly one; several identities may share one (a
couple, a grandparent and a grandchild, a person's Telegram and web browser). A second
identity in a household is a new identity, not a new customer.

"The same customer", for every money rule that pays or gives something once
(first-order promotions, per-customer promo limits, the partner's new-customer fee), is
the *kin* of an identity: every identity of its household, every order ever delivered to
its household, and, when a phone number is given, every identity and order with that
normalised phone, in any household. A household (or a phone) is new once, ever.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.exc import IntegrityError

from core.errors import NotFound
from core.models import Building, ChannelIdentity, Customer, Household, Order, Partner
from core.people.rooms import household_room
from core.platform.uow import UnitOfWork

TELEGRAM = "telegram"


async def household_at(
    uow: UnitOfWork,
    building: Building,
    room: str,
    *,
    created_by: int | None = None,
    origin: str | None = None,
) -> Household:
    """The household behind this door, created on first use (race-safe)."""
    key = household_room(room, building.label)
    found = await _household(uow, building.id, key)
    if found is not None:
        return found
    household = Household(
        unit_id=building.unit_id,
        building_id=building.id,
        room=key,
        created_at=uow.clock.now(),
        created_by_customer_id=created_by,
        created_from=(origin or None) and origin[:64],
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(household)
            await uow.session.flush()
    except IntegrityError:
        found = await _household(uow, building.id, key)
        if found is None:
            raise
        return found
    return household


async def _household(uow: UnitOfWork, building_id: int, room: str) -> Household | None:
    return await uow.session.scalar(
        select(Household).where(Household.building_id == building_id, Household.room == room)
    )


async def household_by_id(uow: UnitOfWork, household_id: int) -> Household | None:
    """A household by id; None when there is none."""
    return await uow.session.get(Household, household_id)


async def household_of(uow: UnitOfWork, customer_id: int) -> Household | None:
    """The household a customer identity lives in, if it gave an address."""
    return await uow.session.scalar(
        select(Household)
        .join(Customer, Customer.household_id == Household.id)
        .where(Customer.id == customer_id)
    )


def kin_customers(customer_id: int, household_id: int | None, phone: str | None) -> object:
    """Ids of the identities that count as the same customer (a subquery)."""
    who: list[ColumnElement[bool]] = [Customer.id == customer_id]
    if household_id is not None:
        who.append(Customer.household_id == household_id)
    if phone:
        who.append(Customer.phone == phone)
    return select(Customer.id).where(or_(*who)).scalar_subquery()


def kin_orders(
    customer_id: int, household_id: int | None, phone: str | None
) -> ColumnElement[bool]:
    """Orders placed by the same customer: by kin identities, to the household, or the phone."""
    who: list[ColumnElement[bool]] = [
        Order.customer_id.in_(kin_customers(customer_id, household_id, phone))
    ]
    if household_id is not None:
        who.append(Order.household_id == household_id)
    if phone:
        who.append(Order.phone == phone)
    return or_(*who)


def kin_of(customer: Customer) -> ColumnElement[bool]:
    """``kin_orders`` of a customer identity as it is now."""
    return kin_orders(customer.id, customer.household_id, customer.phone)


async def has_ordered(uow: UnitOfWork, customer: Customer) -> bool:
    """The household (or phone) already has an order that counts (not cancelled)."""
    found = await uow.session.scalar(
        select(exists().where(kin_of(customer), Order.status != "cancelled"))
    )
    return bool(found)


async def is_partners_own(uow: UnitOfWork, partner_id: int, customer: Customer) -> bool:
    """The customer is the partner themself, or lives in the partner's own household.

    A partner's household is any household one of whose identities is the partner: it has
    the partner's phone (``Partner.phone``), or its Telegram account is the partner's.
    The ordering identity's own phone or Telegram account counts the same way.
    """
    partner = await uow.session.get(Partner, partner_id)
    if partner is None:
        return False
    people = [Customer.id == customer.id]
    if customer.household_id is not None:
        people.append(Customer.household_id == customer.household_id)
    is_partner: list[ColumnElement[bool]] = [false()]
    if partner.phone:
        is_partner.append(Customer.phone == partner.phone)
        if customer.phone == partner.phone:
            return True
    if partner.telegram_id is not None:
        is_partner.append(
            exists().where(
                ChannelIdentity.customer_id == Customer.id,
                ChannelIdentity.channel == TELEGRAM,
                ChannelIdentity.external_id == str(partner.telegram_id),
            )
        )
    found = await uow.session.scalar(select(exists().where(or_(*people), or_(*is_partner))))
    return bool(found)


async def confirm_at_door(
    uow: UnitOfWork, partner: Partner, customer_id: int
) -> tuple[Household, bool]:
    """The partner saw the household at its door: recorded once, on the household.

    Returns the household and whether this call recorded it.
    """
    customer = await uow.session.get(Customer, customer_id)
    if customer is None or customer.unit_id != partner.unit_id or customer.household_id is None:
        raise NotFound(what="customer", key=customer_id)
    household = await uow.session.scalar(
        select(Household).where(Household.id == customer.household_id).with_for_update()
    )
    if household is None:
        raise NotFound(what="household", key=customer.household_id)
    if household.confirmed_at is not None:
        return household, False
    household.confirmed_at = uow.clock.now()
    household.confirmed_by_partner_id = partner.id
    await uow.session.flush()
    return household, True
