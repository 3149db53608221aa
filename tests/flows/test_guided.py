"""Guided mode: big buttons, one question at a time, a running total, and a partner to call."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.flows.events import Command, Contact, Text, Unsupported
from bot.flows.guided import keys
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.models import Customer, Order, OrderLine
from core.orders.cart import set_quantity
from core.people.assist import create_assist_token
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.people.units import add_partner
from tests.factories import (
    UnitSetup,
    make_category,
    make_product,
    make_unit_with_partner,
    scratch_sqlite,
)


async def shop(db) -> UnitSetup:
    """A unit with 王阿姨 and two drinks in 饮料 (Drinks)."""
    setup = await make_unit_with_partner(db)
    await make_category(db, "drinks")
    await make_product(db, "COKE", name_zh="可口可乐 330ml", price_fen=235)
    await make_product(db, "WATER", name_zh="农夫山泉 550ml", price_fen=200)
    return setup


async def housed(db, setup: UnitSetup, user: str, *, locale: str = "en") -> Customer:
    """A customer of the in-memory channel at 3栋 1201 with a phone number."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", user, locale=locale)
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[2], room="1201")
        await set_phone(uow, customer, "13900000000")
        await uow.commit()
    return customer


async def open_link(db, channel: MemoryChannel, setup: UnitSetup, user: str, **send) -> str:
    """The partner makes an assisted link and the customer opens it; returns the token."""
    async with db.uow() as uow:
        token = await create_assist_token(uow, setup.partner.id)
        await uow.commit()
    await channel.send(user, Command("start", f"a{token}"), **{"language_code": "en", **send})
    return token


def keyboard(channel: MemoryChannel, user: str) -> list[str]:
    """The big buttons under the newest message."""
    return [label for row in channel.chat(user).last.keyboard or () for label in row]


async def tap(channel: MemoryChannel, user: str, part: str, language: str = "en") -> str:
    """Press the big button whose label contains ``part`` (it arrives as its text)."""
    label = next(label for label in keyboard(channel, user) if part in label)
    await channel.send(user, Text(label), language_code=language)
    return channel.chat(user).last.text


async def orders_of(db, customer_id: int) -> list[Order]:
    async with db.uow() as uow:
        return list(
            await uow.session.scalars(select(Order).where(Order.customer_id == customer_id))
        )


async def test_a_first_order_at_the_door_needs_no_typing_but_the_room_number(db):
    setup = await shop(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await open_link(db, channel, setup, "grandma")
    assert "王阿姨 is here to help" in channel.chat("grandma").last.text
    assert "Which building" in channel.chat("grandma").last.text
    assert "room number" in await tap(channel, "grandma", "3栋")
    await channel.send("grandma", Text("1201"), language_code="en")  # the only typing
    assert channel.chat("grandma").last.ask_contact
    await channel.send("grandma", Contact("13900000000"), language_code="en")
    assert "choose a kind of goods" in channel.chat("grandma").last.text
    assert "Drinks: which one would you like?" in await tap(channel, "grandma", "Drinks")
    assert "Product COKE · ¥2.35" in keyboard(channel, "grandma")

    added = await tap(channel, "grandma", "COKE")
    assert "Added: Product COKE." in added and "Product COKE × 1" in added
    assert "Total so far: ¥5.35 (with ¥3.00 delivery)" in added
    more = await tap(channel, "grandma", "Add 1 more")
    assert "Product COKE × 2" in more and "Total so far: ¥7.70" in more
    review = await tap(channel, "grandma", "That's all")
    assert "You are ordering:" in review and "Product COKE × 2" in review
    assert "Total ¥7.70, pay on delivery." in review and "Arrives tonight" in review
    thanks = await tap(channel, "grandma", "Yes, order it")

    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "memory", "grandma")
        lines = list(await uow.session.scalars(select(OrderLine)))
    (order,) = await orders_of(db, customer.id)
    assert order.order_no in thanks and order.total_fen == 770
    assert [(line.sku, line.quantity) for line in lines] == [("COKE", 2)]
    assert (customer.building_id, customer.room) == (setup.building_ids[2], "1201")
    assert customer.referred_by_partner_id == setup.partner.id and customer.guided
    assert order.order_no in channel.chat(partner).last.text


async def test_the_wrong_category_is_left_with_the_back_button(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")

    await tap(channel, "grandma", "Drinks")
    back = await tap(channel, "grandma", "Back")

    assert "choose a kind of goods" in back and "Drinks" in keyboard(channel, "grandma")


async def test_every_question_has_the_call_my_partner_button(db):
    setup = await shop(db)
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    seen = [keyboard(channel, "grandma")]
    await tap(channel, "grandma", "3栋")
    seen.append(keyboard(channel, "grandma"))
    await channel.send("grandma", Text("1201"), language_code="en")
    seen.append(keyboard(channel, "grandma"))
    for part in ("Skip", "Drinks", "COKE", "That's all", "Change something"):
        await tap(channel, "grandma", part)
        seen.append(keyboard(channel, "grandma"))

    assert all("📞 Call my partner for help" in labels for labels in seen)


async def test_call_my_partner_at_the_product_step_tells_the_partner_who_where_and_what(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")

    told = await tap(channel, "grandma", "Call my partner")

    ping = channel.chat(partner).last.text
    assert "3栋 1201" in ping and "饮料" in ping and "13900000000" in ping
    assert "Your partner has been told and will call or come by." in told
    assert "Product COKE · ¥2.35" in keyboard(channel, "grandma")  # same question again


async def test_call_my_partner_while_deciding_how_many_names_the_product(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "COKE")

    await tap(channel, "grandma", "Call my partner")

    assert "可口可乐 330ml" in channel.chat(partner).last.text


async def test_the_partner_can_answer_a_help_call_by_replying_to_it(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Call my partner")

    ping = channel.chat(partner).last
    await channel.send(partner, Text("I'm coming up now"), reply_to_ref=ping.ref)

    assert "I'm coming up now" in channel.chat("grandma").last.text


async def test_changing_something_before_confirming_can_remove_a_line(db):
    setup = await shop(db)
    customer = await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "COKE")
    await tap(channel, "grandma", "Something else")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "WATER")
    await tap(channel, "grandma", "That's all")

    await tap(channel, "grandma", "Change something")
    assert "Product COKE × 1" in keyboard(channel, "grandma")
    await tap(channel, "grandma", "Product COKE × 1")
    removed = await tap(channel, "grandma", "Remove it")
    assert "Removed: Product COKE." in removed and "Total so far: ¥5.00" in removed
    review = await tap(channel, "grandma", "That's all")
    assert "Product WATER × 1" in review and "COKE" not in review
    await tap(channel, "grandma", "Yes, order it")

    (order,) = await orders_of(db, customer.id)
    assert order.total_fen == 500


async def test_a_double_yes_places_one_order(db):
    setup = await shop(db)
    customer = await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "COKE")
    await tap(channel, "grandma", "That's all")
    yes = next(label for label in keyboard(channel, "grandma") if "Yes" in label)

    await channel.send("grandma", Text(yes), language_code="en")
    await channel.send("grandma", Text(yes), language_code="en")

    (order,) = await orders_of(db, customer.id)
    assert order.order_no in channel.chat("grandma").last.text
    partner_chat = channel.chat(str(setup.partner.telegram_id))
    assert sum(order.order_no in m.text for m in partner_chat.messages) == 1


async def test_that_s_all_with_nothing_chosen_asks_for_something_first(db):
    setup = await shop(db)
    customer = await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "COKE")
    await tap(channel, "grandma", "Remove it")

    assert "That's all" not in " ".join(keyboard(channel, "grandma"))
    assert await orders_of(db, customer.id) == []


async def test_anything_unexpected_gets_press_a_button_and_the_same_question(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    question = keyboard(channel, "grandma")

    for event in (
        Text("x" * 10_000),
        Text("🍎🍎🍎"),
        Text("'; DROP TABLE orders; --"),
        Text("-5"),
        Unsupported("sticker"),
        Contact("13900000000"),
    ):
        await channel.send("grandma", event, language_code="en")
        assert "Please press one of the big buttons below" in channel.chat("grandma").last.text
        assert keyboard(channel, "grandma") == question


async def test_a_room_number_that_is_not_one_is_asked_again(db):
    setup = await shop(db)
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "3栋")

    await channel.send("grandma", Text("🍎 the blue door"), language_code="en")

    assert "doesn't look like a room number" in channel.chat("grandma").last.text
    assert "Back" in " ".join(keyboard(channel, "grandma"))


async def test_a_used_link_is_refused_kindly_and_a_newcomer_chooses_a_neighbourhood(db):
    setup = await shop(db)
    channel = MemoryChannel(db)
    token = await open_link(db, channel, setup, "grandma")

    await channel.send("stranger", Command("start", f"a{token}"), language_code="en")

    texts = [m.text for m in channel.chat("stranger").messages]
    assert any("This help link has expired or was already used" in text for text in texts)
    assert "Which neighbourhood" in channel.chat("stranger").last.text
    async with db.uow() as uow:
        stranger = await customer_for_identity(uow, "memory", "stranger")
        guided = await uow.session.scalar(
            select(func.count()).select_from(Customer).where(Customer.guided.is_(True))
        )
    assert stranger.unit_id is None and guided == 1


async def test_labels_are_matched_in_the_customers_own_language(db):
    setup = await shop(db)
    customer = await housed(db, setup, "nainai", locale="zh_CN")
    channel = MemoryChannel(db)
    zh = translator("zh_CN")
    await open_link(db, channel, setup, "nainai", language_code="zh-hans")

    await tap(channel, "nainai", "饮料", "zh-hans")
    await tap(channel, "nainai", "可口可乐", "zh-hans")
    await tap(channel, "nainai", zh.gettext(keys.ADD_ONE), "zh-hans")
    review = await tap(channel, "nainai", zh.gettext(keys.THATS_ALL), "zh-hans")
    assert "可口可乐 330ml × 2" in review
    await tap(channel, "nainai", zh.gettext(keys.YES), "zh-hans")

    (order,) = await orders_of(db, customer.id)
    assert order.total_fen == 770


async def test_an_item_short_of_stock_is_explained_and_the_order_read_back_again(db):
    setup = await shop(db)
    await make_product(db, "LAST", price_fen=990, stock=1)
    customer = await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "LAST")

    warned = await tap(channel, "grandma", "Add 1 more")
    assert "Only 1 is left" in warned
    await tap(channel, "grandma", "That's all")
    refused = await tap(channel, "grandma", "Yes, order it")

    assert "only 1 is left" in refused and "You are ordering:" in refused
    assert await orders_of(db, customer.id) == []


async def test_many_aisles_come_eight_at_a_time_with_more(db):
    setup = await make_unit_with_partner(db)
    for n in range(10):
        await make_product(db, f"P{n}", category_code=f"aisle{n:02d}")
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")

    first = [label for label in keyboard(channel, "grandma") if label.startswith("aisle")]
    await tap(channel, "grandma", "More")
    second = [label for label in keyboard(channel, "grandma") if label.startswith("aisle")]
    await tap(channel, "grandma", "More")
    again = [label for label in keyboard(channel, "grandma") if label.startswith("aisle")]

    assert len(first) == 8 and second == ["aisle08", "aisle09"] and again == first


async def test_call_my_partner_without_a_partner_to_call_says_so(db):
    setup = await shop(db)
    await housed(db, setup, "grandma")
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    async with db.uow() as uow:
        await add_partner(uow, unit_code="jinxiu", name="李叔叔", replace=True)  # no Telegram
        await uow.commit()

    told = await tap(channel, "grandma", "Call my partner")

    assert "no partner to call right now" in told
    assert "Drinks" in keyboard(channel, "grandma")


# --- whatever an unsteady finger sends --------------------------------------------------

LABELS = [
    keys.CALL,
    keys.MORE,
    keys.BACK,
    keys.ADD_ONE,
    keys.TAKE_ONE,
    keys.REMOVE,
    keys.THATS_ALL,
    keys.SOMETHING_ELSE,
    keys.YES,
    keys.CHANGE,
    keys.SKIP,
    keys.SHOP_AGAIN,
]
presses = st.integers(min_value=0, max_value=30).map(lambda n: f"key:{n}")
events = st.one_of(
    presses,
    presses,
    presses,
    st.sampled_from(LABELS).map(Text),
    st.sampled_from(["1201", "", "🍎", "x" * 5000, "-1", "99", "可乐"]).map(Text),
    st.sampled_from([Contact("13900000000"), Contact("1", own=False), Unsupported("sticker")]),
    st.just(Command("menu")),
)


async def _wander(steps: list[object], locale: str) -> None:
    """A fresh shop, an assisted link, then ``steps``; every answer keeps the help button."""
    async with scratch_sqlite("guided") as db:
        setup = await shop(db)
        await make_product(db, "LAST", price_fen=990, stock=1)
        channel = MemoryChannel(db)
        await open_link(db, channel, setup, "grandma", language_code=locale)
        for step in steps:
            labels = keyboard(channel, "grandma")
            if isinstance(step, str) and not labels:
                continue
            event = Text(labels[int(step[4:]) % len(labels)]) if isinstance(step, str) else step
            await channel.send("grandma", event, language_code=locale)  # type: ignore[arg-type]
            shown = keyboard(channel, "grandma")
            if labels and not isinstance(event, Command):
                assert any(label.startswith("📞") for label in shown), event


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(events, min_size=1, max_size=30), locale=st.sampled_from(["en", "zh-hans"]))
def test_random_presses_and_typing_never_crash_and_always_leave_help_in_reach(steps, locale):
    asyncio.run(_wander(steps, locale))


async def test_an_order_changed_elsewhere_after_the_read_back_is_read_back_again(db):
    setup = await shop(db)
    customer = await housed(db, setup, "grandma")
    water = await make_product(db, "SODA", price_fen=400)
    channel = MemoryChannel(db)
    await open_link(db, channel, setup, "grandma")
    await tap(channel, "grandma", "Drinks")
    await tap(channel, "grandma", "COKE")
    await tap(channel, "grandma", "That's all")
    async with db.uow() as uow:  # e.g. the ordinary cart screen, from an older message
        await set_quantity(uow, customer.id, water.id, 1)
        await uow.commit()

    again = await tap(channel, "grandma", "Yes, order it")
    assert "Your order has changed" in again and "Product SODA × 1" in again
    await tap(channel, "grandma", "Yes, order it")

    (order,) = await orders_of(db, customer.id)
    assert order.total_fen == 235 + 400 + 300
