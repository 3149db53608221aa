"""The win-back question through python-telegram-bot: its buttons reach the customer's chat."""

from __future__ import annotations

from sqlalchemy import select

from core.models import WinbackQuestion
from tests.conftest import shanghai
from tests.factories import deliver_order, make_product, make_unit_with_partner, place
from tests.telegram.fake_bot_api import Person, chat, press, recorder, send_text, telegram_shopper

ANN = Person(8201, first_name="Ann", language_code="en")


async def test_the_question_arrives_with_its_reason_buttons_and_an_answer_is_recorded(
    db, clock, app
):
    setup = await make_unit_with_partner(db)
    ann = await telegram_shopper(db, setup, ANN, building=1, room="301")
    cola = await make_product(db, "COLA")
    order = (await place(db, ann, [(cola, 1)])).order
    await deliver_order(db, order.id, crates=2)
    clock.set(shanghai(2026, 12, 7, 10))  # two weeks later, before the cutoff
    partner = Person(setup.partner.telegram_id, first_name="Wang", language_code="en")

    await send_text(app, partner, "/partner")
    await press(app, partner, "Crates")
    await press(app, partner, "Schedule pickup visit")

    (asked,) = recorder(app).to(ANN.id, "sendMessage")
    assert asked.text.startswith("Your partner 王阿姨 will come by on Mon, Dec 7")
    assert [label for label, _data in asked.buttons][:2] == ["💰 Prices", "🥬 Quality"]
    assert all(data.startswith("pw1:") for _label, data in asked.buttons)
    await press(app, ANN, "Delivery time")
    assert chat(app, ANN)[-1].text.startswith("Thank you for telling us.")
    assert "🕒 Delivery time" in chat(app, partner)[-1].text
    async with db.uow() as uow:
        question = await uow.session.scalar(select(WinbackQuestion))
    assert question.reason == "delivery_time"
