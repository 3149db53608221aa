"""Who is who: units a newcomer may join, which partner a customer or a Telegram account
reaches, where a customer chats now and in which language, and a win-back question by id."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from core.models import ChannelIdentity, Customer, Partner, Unit
from core.partners.winback import question_by_id, question_for
from core.people.customers import (
    bind_to_unit,
    customer_by_id,
    customer_for_identity,
    locale_of_account,
    locales_of,
    newest_identities,
    newest_identity,
)
from core.people.units import (
    active_partner_by_telegram,
    add_partner,
    building_by_id,
    create_unit,
    partner_by_id,
    reachable_partner,
    unit_by_id,
    units_taking_customers,
)
from tests.factories import in_uow, make_bound_customer, make_unit_with_partner, read_uow

UNKNOWN_ID = 999_999
PARTNER_CHANNELS = frozenset({"telegram", "memory"})


async def _customer(db, channel: str, external_id: str, *, locale: str | None = None) -> Customer:
    return await in_uow(db, customer_for_identity, channel, external_id, locale=locale)


async def _identity(db, customer, channel: str, external_id: str, at: dt.datetime) -> int:
    """Another chat account of ``customer``, joined at ``at``."""
    async with db.uow() as uow:
        identity = ChannelIdentity(
            channel=channel, external_id=external_id, customer_id=customer.id, created_at=at
        )
        uow.session.add(identity)
        await uow.commit()
    return identity.id


async def _set(db, model, row_id: int, **values) -> None:
    async with db.uow() as uow:
        row = await uow.session.get(model, row_id)
        for field, value in values.items():
            setattr(row, field, value)
        await uow.commit()


async def _retire(db, unit_code: str, *, successor_telegram_id: int | None) -> Partner:
    """The unit's partner hands over to a successor (who may have no Telegram account)."""
    return await in_uow(
        db,
        add_partner,
        unit_code=unit_code,
        name="李叔叔",
        telegram_id=successor_telegram_id,
        replace=True,
    )


# --- units and partners ------------------------------------------------------------------


async def test_a_unit_and_a_building_are_found_by_id_and_none_means_not_chosen_yet(db):
    setup = await make_unit_with_partner(db)
    unit = await read_uow(db, unit_by_id, setup.unit.id)
    assert unit is not None and unit.code == "jinxiu"
    building = await read_uow(db, building_by_id, setup.building_ids[1])
    assert building is not None and (building.label, building.unit_id) == ("2栋", setup.unit.id)
    for lookup in (unit_by_id, building_by_id):
        assert await read_uow(db, lookup, None) is None
        assert await read_uow(db, lookup, UNKNOWN_ID) is None


async def test_only_open_units_with_an_active_partner_take_new_customers(db):
    await make_unit_with_partner(db, code="jinxiu")
    closed = await make_unit_with_partner(db, code="closed")
    await _set(db, Unit, closed.unit.id, active=False)
    retired = await make_unit_with_partner(db, code="retired")
    await _set(db, Partner, retired.partner.id, active=False)
    await in_uow(
        db, create_unit, code="empty", name_zh="空", name_en="Empty", area="浦东", buildings=["1栋"]
    )
    units = await read_uow(db, units_taking_customers)
    assert [unit.code for unit in units] == ["jinxiu"]


async def test_a_partner_is_found_by_id_even_after_retiring(db):
    setup = await make_unit_with_partner(db)
    successor = await _retire(db, "jinxiu", successor_telegram_id=None)
    former = await read_uow(db, partner_by_id, setup.partner.id)
    assert former is not None and (former.name, former.active) == ("王阿姨", False)
    current = await read_uow(db, partner_by_id, successor.id)
    assert current is not None and (current.name, current.active) == ("李叔叔", True)
    assert await read_uow(db, partner_by_id, UNKNOWN_ID) is None


async def test_a_telegram_account_is_a_partner_only_while_its_partner_serves(db):
    setup = await make_unit_with_partner(db)
    serving = await read_uow(db, active_partner_by_telegram, setup.partner.telegram_id)
    assert serving is not None and serving.id == setup.partner.id
    successor = await _retire(db, "jinxiu", successor_telegram_id=880_002)
    assert await read_uow(db, active_partner_by_telegram, setup.partner.telegram_id) is None
    found = await read_uow(db, active_partner_by_telegram, 880_002)
    assert found is not None and found.id == successor.id


async def test_a_customers_telegram_account_is_not_a_partner(db):
    await make_unit_with_partner(db)
    await _customer(db, "telegram", "880001")
    assert await read_uow(db, active_partner_by_telegram, 880_001) is None


async def test_a_customer_reaches_the_active_partner_of_their_unit(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    partner = await read_uow(db, reachable_partner, customer)
    assert partner is not None and partner.id == setup.partner.id
    successor = await _retire(db, "jinxiu", successor_telegram_id=880_003)
    partner = await read_uow(db, reachable_partner, customer)
    assert partner is not None and partner.id == successor.id


async def test_a_customer_without_a_unit_reaches_no_partner(db):
    await make_unit_with_partner(db)
    newcomer = await _customer(db, "telegram", "880004")
    assert newcomer.unit_id is None
    assert await read_uow(db, reachable_partner, newcomer) is None


async def test_no_partner_is_reached_when_the_unit_has_none_active(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    await _set(db, Partner, setup.partner.id, active=False)
    assert await read_uow(db, reachable_partner, customer) is None
    async with db.uow() as uow:  # a unit that never had one
        unit = await create_unit(
            uow, code="empty", name_zh="空", name_en="Empty", area="浦东", buildings=["1栋"]
        )
        newcomer = await customer_for_identity(uow, "telegram", "880005")
        await bind_to_unit(uow, newcomer, unit_id=unit.id)
        await uow.commit()
    assert await read_uow(db, reachable_partner, newcomer) is None


async def test_a_partner_without_a_telegram_account_cannot_be_reached(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    await _retire(db, "jinxiu", successor_telegram_id=None)
    assert await read_uow(db, reachable_partner, customer) is None


# --- customers ---------------------------------------------------------------------------


async def test_a_customer_is_found_by_id_and_a_forged_id_reads_as_missing(db):
    customer = await _customer(db, "telegram", "700001", locale="en")
    found = await read_uow(db, customer_by_id, customer.id)
    assert found is not None and (found.id, found.locale) == (customer.id, "en")
    assert await read_uow(db, customer_by_id, UNKNOWN_ID) is None


async def test_the_chat_account_joined_last_is_where_a_customer_chats_now(db, clock):
    customer = await _customer(db, "telegram", "700002")
    joined = clock.now()
    webchat = await _identity(db, customer, "webchat", "w-2", joined + dt.timedelta(days=2))
    # written after the web chat account, but joined before it
    await _identity(db, customer, "memory", "m-2", joined + dt.timedelta(days=1))
    newest = await read_uow(db, newest_identity, customer.id)
    assert newest is not None and (newest.id, newest.channel) == (webchat, "webchat")
    assert await read_uow(db, newest_identity, UNKNOWN_ID) is None


async def test_the_chat_account_written_last_wins_a_tie(db, clock):
    customer = await _customer(db, "telegram", "700003")
    same_time = await _identity(db, customer, "webchat", "w-3", clock.now())
    newest = await read_uow(db, newest_identity, customer.id)
    assert newest is not None and newest.id == same_time


async def test_newest_chat_accounts_of_several_customers_come_in_one_query(db, clock):
    moved = await _customer(db, "telegram", "700004")
    webchat = await _identity(db, moved, "webchat", "w-4", clock.now() + dt.timedelta(hours=1))
    await _identity(db, moved, "memory", "m-4", clock.now() - dt.timedelta(hours=1))
    stayed = await _customer(db, "telegram", "700005")
    async with db.uow() as uow:
        silent = Customer(locale="zh_CN", created_at=clock.now())  # no chat account at all
        uow.session.add(silent)
        await uow.commit()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "channel_identities" in statement:
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        found = await read_uow(db, newest_identities, [moved.id, stayed.id, silent.id])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert {customer_id: identity.external_id for customer_id, identity in found.items()} == {
        moved.id: "w-4",
        stayed.id: "700005",
    }
    assert found[moved.id].id == webchat
    assert await read_uow(db, newest_identities, []) == {}


async def test_locales_of_reads_each_customers_language(db):
    chinese = await _customer(db, "telegram", "700006", locale="zh_CN")
    english = await _customer(db, "telegram", "700007", locale="en")
    locales = await read_uow(db, locales_of, [chinese.id, english.id, UNKNOWN_ID])
    assert locales == {chinese.id: "zh_CN", english.id: "en"}
    assert await read_uow(db, locales_of, []) == {}


async def test_a_chat_accounts_language_is_the_one_its_customer_chose(db):
    await _customer(db, "telegram", "700008", locale="en")
    await _customer(db, "webchat", "700009", locale="en")
    assert await read_uow(db, locale_of_account, PARTNER_CHANNELS, "700008") == "en"
    assert await read_uow(db, locale_of_account, PARTNER_CHANNELS, "700009") is None
    assert await read_uow(db, locale_of_account, frozenset({"webchat"}), "700008") is None
    assert await read_uow(db, locale_of_account, PARTNER_CHANNELS, "700010") is None


# --- win-back ----------------------------------------------------------------------------


async def test_a_winback_question_is_found_by_id(db):
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    evening = dt.date(2026, 11, 25)
    question, created = await in_uow(db, question_for, setup.partner, customer.id, evening)
    assert created
    found = await read_uow(db, question_by_id, question.id)
    assert found is not None
    assert (found.customer_id, found.partner_id, found.visit_date) == (
        customer.id,
        setup.partner.id,
        evening,
    )
    assert await read_uow(db, question_by_id, UNKNOWN_ID) is None
