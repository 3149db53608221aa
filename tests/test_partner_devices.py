"""Partner sign-in: enrolment links (once, 24 h), devices (90 days, revocable), reachability."""

from __future__ import annotations

import datetime as dt

from core.models import Partner
from core.people.customers import customer_for_identity
from core.people.partner_devices import (
    devices_of,
    enrol_device,
    forget_device,
    has_live_device,
    partner_address,
    partner_of_device,
    revoke_device,
    web_chat_id,
    web_partner_id,
)
from core.people.units import reachable_on_web
from core.people.web_tokens import (
    link_code,
    partner_enrolment_link,
    partner_enrolment_token,
    partner_signin_token,
    partner_signing_in,
    pending_enrolment,
)
from tests.factories import in_uow, make_unit_with_partner, read_uow


async def _partner(db, *, telegram: bool = False) -> Partner:
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        if not telegram:
            partner.telegram_id = None
        await uow.commit()
        return partner


async def test_an_enrolment_link_works_once_for_a_partner_without_telegram(db):
    partner = await _partner(db)
    token = await in_uow(db, partner_enrolment_token, partner)

    first = await in_uow(db, partner_signing_in, token)
    again = await in_uow(db, partner_signing_in, token)

    assert first is not None and first.id == partner.id
    assert again is None


async def test_an_enrolment_link_expires_after_24_hours(db, clock):
    partner = await _partner(db)
    late = await in_uow(db, partner_enrolment_token, partner)
    in_time = await in_uow(db, partner_enrolment_token, partner)

    clock.advance(dt.timedelta(hours=23, minutes=59))
    assert (await in_uow(db, partner_signing_in, in_time)) is not None
    clock.advance(dt.timedelta(minutes=2))
    assert (await in_uow(db, partner_signing_in, late)) is None


async def test_the_telegram_sign_in_link_still_works_and_lasts_15_minutes(db, clock):
    partner = await _partner(db, telegram=True)
    token = await in_uow(db, partner_signin_token, partner)
    stale = await in_uow(db, partner_signin_token, partner)

    assert (await in_uow(db, partner_signing_in, token)).id == partner.id
    clock.advance(dt.timedelta(minutes=16))
    assert (await in_uow(db, partner_signing_in, stale)) is None


async def test_a_link_code_or_a_retired_partner_signs_nobody_in(db):
    setup = await make_unit_with_partner(db, code="other")
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "web", "wcustomer")
        await uow.commit()
    code = await in_uow(db, link_code, customer.id)
    assert (await in_uow(db, partner_signing_in, code)) is None  # a customer's link code
    assert setup.partner.id
    partner = await _partner(db)
    token = await in_uow(db, partner_enrolment_token, partner)
    async with db.uow() as uow:
        (await uow.session.get(Partner, partner.id)).active = False
        await uow.commit()
    assert (await in_uow(db, partner_signing_in, token)) is None
    assert (await in_uow(db, partner_signing_in, "not-a-token")) is None


async def test_the_enrolment_link_is_a_web_address(db):
    partner = await _partner(db)
    link = await in_uow(db, partner_enrolment_link, partner)
    assert link.startswith(f"{db.settings.web_address}/p/") and len(link.rsplit("/", 1)[1]) == 24


async def test_a_device_lasts_90_days_and_is_seen(db, clock):
    partner = await _partner(db)
    key = await in_uow(db, enrol_device, partner, "Mozilla/5.0 (iPhone) Safari")

    clock.advance(dt.timedelta(days=89, hours=23))
    seen = await in_uow(db, partner_of_device, key)
    assert seen is not None and seen.id == partner.id
    [device] = await read_uow(db, devices_of, partner.id)
    assert device.last_seen_at == clock.now() and "iPhone" in device.user_agent
    assert device.expires_at - device.created_at == dt.timedelta(days=90)

    clock.advance(dt.timedelta(hours=2))
    assert (await in_uow(db, partner_of_device, key)) is None
    assert not await read_uow(db, has_live_device, partner.id)


async def test_the_device_lifetime_follows_the_setting(db, clock):
    db.settings = db.settings.model_copy(update={"partner_device_days": 7})
    partner = await _partner(db)
    key = await in_uow(db, enrol_device, partner)
    clock.advance(dt.timedelta(days=7, seconds=1))
    assert (await in_uow(db, partner_of_device, key)) is None


async def test_a_revoked_device_signs_in_no_more_and_others_stay(db):
    partner = await _partner(db)
    phone = await in_uow(db, enrol_device, partner, "phone")
    laptop = await in_uow(db, enrol_device, partner, "laptop")
    devices = {d.user_agent: d for d in await read_uow(db, devices_of, partner.id)}

    assert await in_uow(db, revoke_device, devices["phone"].id)
    assert not await in_uow(db, revoke_device, devices["phone"].id)  # once

    assert (await in_uow(db, partner_of_device, phone)) is None
    assert (await in_uow(db, partner_of_device, laptop)).id == partner.id
    await in_uow(db, forget_device, laptop)  # the partner signed out there
    assert (await in_uow(db, partner_of_device, laptop)) is None
    assert all(d.revoked_at is not None for d in await read_uow(db, devices_of, partner.id))


async def test_a_partner_is_reached_on_telegram_else_in_their_web_chat(db):
    with_telegram = await _partner(db, telegram=True)
    assert partner_address(with_telegram) == ("telegram", str(with_telegram.telegram_id))
    web_only = Partner(id=7, unit_id=1, name="x", invite_code="x", telegram_id=None)
    assert partner_address(web_only) == ("web", "partner-7") == ("web", web_chat_id(7))
    assert web_partner_id("web", "partner-7") == 7
    assert web_partner_id("telegram", "partner-7") is None
    assert web_partner_id("web", "wAbCdEf") is None
    assert web_partner_id("web", "partner-7x") is None


async def test_on_the_web_a_partner_is_reachable_once_enrolled_or_with_a_link_waiting(db, clock):
    partner = await _partner(db)
    assert not await read_uow(db, reachable_on_web, partner)
    token = await in_uow(db, partner_enrolment_token, partner)
    assert await read_uow(db, pending_enrolment, partner.id)
    assert await read_uow(db, reachable_on_web, partner)
    clock.advance(dt.timedelta(hours=25))
    assert not await read_uow(db, reachable_on_web, partner)  # the link expired unused
    assert (await in_uow(db, partner_signing_in, token)) is None
    key = await in_uow(db, enrol_device, partner)
    assert await read_uow(db, reachable_on_web, partner)
    [device] = await read_uow(db, devices_of, partner.id)
    await in_uow(db, revoke_device, device.id)
    assert not await read_uow(db, reachable_on_web, partner)
    assert (await in_uow(db, partner_of_device, key)) is None
