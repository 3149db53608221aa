"""Deep-link payloads: partners' invites and leaflet QR codes, read safely from /start."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.people.invites import (
    StartPayload,
    invite_link_payload,
    parse_start_payload,
    resolve_invite,
)
from core.people.units import add_partner
from tests.factories import make_unit_with_partner

CODE = "Ab3_-xYz09Qq"  # 12 characters of Telegram's start-parameter alphabet
TELEGRAM_START = re.compile(r"[A-Za-z0-9_-]{1,64}")
codes = st.text(alphabet="ABCabcxyzXYZ0189_-", min_size=12, max_size=12)


# --- pure --------------------------------------------------------------------------------


def test_a_partners_link_is_i_and_the_invite_code():
    assert invite_link_payload(CODE) == f"i{CODE}"
    assert parse_start_payload(f"i{CODE}") == StartPayload(CODE, None)


def test_a_leaflet_names_the_building_by_its_walking_order():
    assert invite_link_payload(CODE, 3) == f"i{CODE}b3"
    assert parse_start_payload(f"i{CODE}b3") == StartPayload(CODE, 3)


def test_an_invite_code_may_itself_contain_b_and_digits():
    code = "b12b34b56b78"
    assert parse_start_payload(f"i{code}") == StartPayload(code, None)
    assert parse_start_payload(f"i{code}b9") == StartPayload(code, 9)


def test_surrounding_spaces_are_ignored():
    assert parse_start_payload(f"  i{CODE}b0 \n") == StartPayload(CODE, 0)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        " ",
        "../../etc",
        "x" * 200,
        f"i{CODE}" + "b1" * 40,
        "🍎🍎🍎",
        f"i{CODE[:-1]}",
        f"i{CODE}x",
        f"i{CODE}b",
        f"i{CODE}b-1",
        f"i{CODE}b12345",
        f"I{CODE}",
        f"i{CODE[:-1]}🍎",
        "'; DROP TABLE partners; --",
        f"a{CODE}",
    ],
)
def test_anything_else_is_not_an_invite(garbage):
    assert parse_start_payload(garbage) is None


def test_a_non_string_is_not_an_invite_either():
    assert parse_start_payload(None) is None
    assert parse_start_payload(123) is None


@pytest.mark.parametrize("bad", ["short", CODE + "x", "Ab3_-xYz09Q🍎", "Ab3 -xYz09Qq"])
def test_a_link_is_never_made_from_a_code_telegram_would_reject(bad):
    with pytest.raises(ValueError):
        invite_link_payload(bad)


@pytest.mark.parametrize("order", [-1, 10_000])
def test_a_building_order_outside_four_digits_is_refused(order):
    with pytest.raises(ValueError):
        invite_link_payload(CODE, order)


@given(code=codes, order=st.one_of(st.none(), st.integers(min_value=0, max_value=9999)))
def test_every_link_fits_telegram_and_reads_back_as_made(code, order):
    payload = invite_link_payload(code, order)
    assert TELEGRAM_START.fullmatch(payload)
    assert parse_start_payload(payload) == StartPayload(code, order)


@given(text=st.text(max_size=100))
def test_parsing_never_raises(text):
    parsed = parse_start_payload(text)
    assert parsed is None or len(parsed.invite_code) == 12


# --- against the database ----------------------------------------------------------------


async def test_an_invite_resolves_to_its_partner_unit_and_building(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        invite = await resolve_invite(uow, StartPayload(setup.partner.invite_code, 1))
    assert invite is not None
    partner, unit, building = invite
    assert (partner.id, unit.id, building.label) == (setup.partner.id, setup.unit.id, "2栋")


async def test_a_leaflet_for_a_building_that_is_gone_still_finds_the_unit(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        invite = await resolve_invite(uow, StartPayload(setup.partner.invite_code, 99))
    assert invite is not None and invite.unit.id == setup.unit.id and invite.building is None


async def test_an_unknown_code_leads_nowhere(db):
    await make_unit_with_partner(db)
    async with db.uow() as uow:
        assert await resolve_invite(uow, StartPayload("nobodyHas1tX")) is None


async def test_a_retired_partners_leaflet_credits_the_partner_who_serves_the_unit_now(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        successor = await add_partner(uow, unit_code="jinxiu", name="李师傅", replace=True)
        await uow.commit()
    async with db.uow() as uow:
        invite = await resolve_invite(uow, StartPayload(setup.partner.invite_code, 0))
    assert invite is not None
    assert (invite.partner.id, invite.partner.name) == (successor.id, "李师傅")
    assert invite.unit.id == setup.unit.id and invite.building.label == "1栋"
