"""A delivery evening on python-telegram-bot and a recorded Bot API, on the partner's phone."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.flows import callbacks, state
from bot.flows.partner.tonight_payloads import TonightAct
from core.commissions.statements import statement
from core.delivery.crates import balance
from core.models import CommissionEntry, Order
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_gift_rule,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.telegram.fake_bot_api import (
    Person,
    chat,
    find_button,
    last_text,
    press,
    press_data,
    send_text,
    telegram_shopper,
    toasts,
)

DELIVERY, NEW = 300, 2000
ANN = Person(8101, first_name="Ann", language_code="en")
BOB = Person(8102, first_name="Bob", language_code="en")
CAROL = Person(8103, first_name="Carol", language_code="en")


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


async def _ledger(db, partner_id: int) -> tuple[int, int]:
    """(sum of entries, payable and held, number of entries) of the partner."""
    async with db.uow() as uow:
        row = (
            await uow.session.execute(
                select(
                    func.sum(CommissionEntry.amount_fen + CommissionEntry.held_fen), func.count()
                ).where(CommissionEntry.partner_id == partner_id)
            )
        ).one()
    return int(row[0] or 0), int(row[1])


async def _evening(db, clock):
    """Carol got two crates on Sunday; on Monday morning Ann, Bob and Carol each order."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", price_fen=300)
    eggs = await make_product(db, "EGGS", price_fen=1200, care_note_zh="鸡蛋易碎，轻拿轻放")
    cup = await make_product(db, "CUP", price_fen=100)
    await make_gift_rule(db, eggs, cup)
    ann = await telegram_shopper(db, setup, ANN, building=1, room="301")
    bob = await telegram_shopper(db, setup, BOB, building=0, room="1201")
    carol = await telegram_shopper(db, setup, CAROL, building=0, room="501")
    clock.set(shanghai(2026, 11, 22, 10, 0))
    sunday = (await place(db, carol, [(cola, 1)])).order
    await deliver_order(db, sunday.id, crates=2)
    clock.set(shanghai(2026, 11, 23, 10, 0))
    orders = {
        "ann": (await place(db, ann, [(cola, 2), (eggs, 1)])).order,
        "bob": (await place(db, bob, [(cola, 3)])).order,
        "carol": (await place(db, carol, [(cola, 1)])).order,
    }
    return setup, orders, carol


async def test_a_delivery_evening_from_pick_list_to_a_balanced_statement(db, clock, app):
    setup, orders, carol = await _evening(db, clock)
    partner = Person(setup.partner.telegram_id, first_name="Wang", language_code="en")
    clock.set(shanghai(2026, 11, 23, 17, 30))  # the 15:00 cutoff has passed

    await send_text(app, partner, "/partner")
    await press(app, partner, "Tonight")
    picks = last_text(app, partner)
    assert "3 orders" in picks and "this list is final" in picks
    assert "Product COLA × 6 bottle" in picks and "Product EGGS × 1 bottle" in picks
    assert "Gifts:\n• Product CUP × 1 bottle" in picks

    await press(app, partner, "Run sheet")
    doors = [label for label, _ in chat(app, partner)[-1].buttons if "栋" in label]
    assert doors == ["▫️ 1栋 501", "▫️ 1栋 1201", "▫️ 2栋 301"]

    await press(app, partner, "1栋 501")
    assert "Crates to collect: 2" in last_text(app, partner)
    await press(app, partner, "Delivered")
    await press(app, partner, "Paid cash")
    await press(app, partner, "2 back")
    carol_door = last_text(app, partner)
    assert "Collected here: 2" in carol_door and "Crates to collect: 0" in carol_door
    await press(app, partner, "Run sheet")

    await press(app, partner, "1栋 1201")
    await press(app, partner, "Delivered")
    await press(app, partner, "Paid transfer")
    await press(app, partner, "Run sheet")

    await press(app, partner, "2栋 301")
    ann_door = last_text(app, partner)
    assert "Please tell them:\n• Product EGGS: care" in ann_door
    assert "Gifts:\n• Product CUP × 1 bottle" in ann_door
    assert f"To collect: {yuan(orders['ann'].total_fen)}" in ann_door
    await press(app, partner, "Delivered")
    await press(app, partner, "Paid cash")
    await press(app, partner, "Run sheet")

    assert "3 of 3 orders delivered. Still to collect ¥0.00, crates 0" in last_text(app, partner)
    assert [label for label, _ in chat(app, partner)[-1].buttons if "栋" in label] == [
        "✅ 1栋 501",
        "✅ 1栋 1201",
        "✅ 2栋 301",
    ]
    async with db.uow() as uow:
        methods = {
            name: (await uow.session.get(Order, order.id)).payment_method
            for name, order in orders.items()
        }
        carol_crates = await balance(uow, carol.id)
    assert methods == {"ann": "cash", "bob": "transfer", "carol": "cash"}
    assert carol_crates == 1  # two came back, tonight's one stays
    deliveries, net_new_customers = 4, 3  # Sunday's and tonight's three; Ann, Bob and Carol
    total, _count = await _ledger(db, setup.partner.id)
    assert total == DELIVERY * deliveries + NEW * net_new_customers
    async with db.uow() as uow:
        november = await statement(uow, setup.partner.id, "2026-11")
    assert november.opening_fen == 0
    assert november.closing_fen == sum(line.amount_fen for line in november.lines)
    assert november.closing_fen == DELIVERY * deliveries  # the new-customer fees are held
    assert november.closing_fen + november.closing_held_fen == total


async def test_delivered_pressed_twice_on_telegram_pays_once(db, clock, app):
    setup, _, _ = await _evening(db, clock)
    partner = Person(setup.partner.telegram_id, first_name="Wang", language_code="en")
    clock.set(shanghai(2026, 11, 23, 18, 30))
    await send_text(app, partner, "/partner")
    await press(app, partner, "Tonight")
    await press(app, partner, "Run sheet")
    await press(app, partner, "1栋 1201")
    before = await _ledger(db, setup.partner.id)

    message_id, data = find_button(app, partner, "Delivered")
    await press_data(app, partner, data, message_id)
    await press_data(app, partner, data, message_id)

    total, count = await _ledger(db, setup.partner.id)
    assert (total - before[0], count - before[1]) == (DELIVERY + NEW, 2)
    assert "✅ Delivered" in last_text(app, partner)


async def test_a_partner_of_another_unit_cannot_deliver_this_units_order(db, clock, app):
    _, orders, _ = await _evening(db, clock)
    other = await make_unit_with_partner(db, code="other")
    stranger = Person(other.partner.telegram_id, first_name="Li", language_code="en")
    clock.set(shanghai(2026, 11, 23, 18, 30))
    await send_text(app, stranger, "/partner")
    ann = orders["ann"]
    key = await state.signing_key(db)
    forged = callbacks.pack(key, str(stranger.id), TonightAct("d", ann.id, ann.customer_id))

    await press_data(app, stranger, forged, chat(app, stranger)[-1].message_id)

    assert toasts(app, stranger)[-1].startswith("This button has expired")
    async with db.uow() as uow:
        order = await uow.session.get(Order, ann.id)
        assert order is not None and order.status == "placed"
    assert (await _ledger(db, other.partner.id))[0] == 0
