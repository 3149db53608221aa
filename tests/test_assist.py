"""A partner's assisted link: one-time, expires, binds the customer to that partner, guided on."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.i18n import translator
from bot.messages import explain
from core.errors import InvalidInput, NotFound
from core.models import AssistToken, ChannelIdentity, Customer
from core.people.assist import AssistLinkInvalid, create_assist_token, redeem_assist_token
from core.people.customers import customer_for_identity
from core.people.units import add_partner
from tests.factories import make_bound_customer, make_unit_with_partner


async def _new_link(db, partner_id: int, ttl_minutes: int = 30) -> str:
    async with db.uow() as uow:
        token = await create_assist_token(uow, partner_id, ttl_minutes=ttl_minutes)
        await uow.commit()
    return token


async def _redeem(db, token: str, external_id: str) -> tuple[Customer, int]:
    """Open the link as a (new or known) customer; returns them and the partner's id."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "telegram", external_id)
        partner = await redeem_assist_token(uow, token, customer)
        await uow.commit()
    return customer, partner.id


async def test_a_link_binds_a_new_customer_to_the_partner_with_guided_mode_on(db):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id)

    customer, partner_id = await _redeem(db, token, "grandma")

    assert partner_id == setup.partner.id
    assert customer.unit_id == setup.unit.id
    assert customer.referred_by_partner_id == setup.partner.id
    assert customer.guided is True


async def test_a_link_is_short_enough_for_a_telegram_start_parameter(db):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id)

    assert len("a" + token) <= 64
    assert token.replace("-", "").replace("_", "").isalnum()


async def test_a_link_works_once_and_the_second_use_is_refused(db):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id)
    await _redeem(db, token, "grandma")

    with pytest.raises(AssistLinkInvalid) as refused:
        await _redeem(db, token, "neighbour")

    assert refused.value.reason == "used"
    async with db.uow() as uow:
        row = await uow.session.scalar(select(AssistToken).where(AssistToken.token == token))
        neighbour = await customer_for_identity(uow, "telegram", "neighbour")
    assert row.used_at is not None and neighbour.unit_id is None


async def test_an_expired_link_is_refused(db, clock):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id, ttl_minutes=30)
    clock.advance(dt.timedelta(minutes=30))

    with pytest.raises(AssistLinkInvalid) as refused:
        await _redeem(db, token, "grandma")

    assert refused.value.reason == "expired"


async def test_a_link_still_works_a_minute_before_it_expires(db, clock):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id, ttl_minutes=30)
    clock.advance(dt.timedelta(minutes=29))

    customer, _partner_id = await _redeem(db, token, "grandma")

    assert customer.guided is True


@pytest.mark.parametrize("token", ["", "nonsense", "'; DROP TABLE assist_tokens; --", "x" * 500])
async def test_an_unknown_link_is_refused(db, token):
    await make_unit_with_partner(db)

    with pytest.raises(AssistLinkInvalid) as refused:
        await _redeem(db, token, "grandma")

    assert refused.value.reason == "unknown"


async def test_a_link_from_a_retired_partner_is_refused(db):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id)
    async with db.uow() as uow:
        await add_partner(uow, unit_code="jinxiu", name="李叔叔", replace=True)
        await uow.commit()

    with pytest.raises(AssistLinkInvalid) as refused:
        await _redeem(db, token, "grandma")

    assert refused.value.reason == "partner_retired"


async def test_a_customer_already_bound_is_not_re_bound_but_gets_guided_mode(db):
    home = await make_unit_with_partner(db, code="home")
    other = await make_unit_with_partner(db, code="other")
    customer = await make_bound_customer(db, home)
    external_id = await _external_id(db, customer.id)
    token = await _new_link(db, other.partner.id)

    again, _partner_id = await _redeem(db, token, external_id)

    assert again.unit_id == home.unit.id
    assert again.referred_by_partner_id == home.partner.id
    assert again.guided is True


async def test_links_are_made_only_for_active_partners_and_sensible_lifetimes(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        with pytest.raises(NotFound):
            await create_assist_token(uow, 987654)
        for ttl in (0, -5, 10**6, True):
            with pytest.raises(InvalidInput):
                await create_assist_token(uow, setup.partner.id, ttl_minutes=ttl)


def test_a_refused_link_is_explained_kindly_in_both_languages():
    refusal = AssistLinkInvalid(reason="expired")

    assert "ask your partner for a new one" in explain(refusal, translator("en"))
    assert "配送员" in explain(refusal, translator("zh_CN"))


async def _external_id(db, customer_id: int) -> str:
    async with db.uow() as uow:
        return await uow.session.scalar(
            select(ChannelIdentity.external_id).where(ChannelIdentity.customer_id == customer_id)
        )


async def test_two_people_opening_one_link_at_once_cannot_both_use_it(db):
    setup = await make_unit_with_partner(db)
    token = await _new_link(db, setup.partner.id)

    outcomes = await asyncio.gather(
        _redeem(db, token, "grandma"), _redeem(db, token, "grandpa"), return_exceptions=True
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["AssistLinkInvalid", "tuple"]
