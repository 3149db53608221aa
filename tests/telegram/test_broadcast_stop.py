"""'🔕 Stop these messages' under a broadcast: one tap, and that kind of message stops coming."""

from __future__ import annotations

from sqlalchemy import select

from bot.flows import state
from bot.flows.customer.broadcast_stop import with_stop_button
from core.messaging.outbox.enqueue import create_broadcast, unit_recipients
from core.messaging.outbox.sender import Sender
from core.models import OutboxMessage
from core.people.customers import opt_outs
from tests.factories import make_unit_with_partner
from tests.outbox_support import ScriptedTransport, notice
from tests.telegram.fake_bot_api import (
    Person,
    last_text,
    press_data,
    telegram_shopper,
    toasts,
)

ANN = Person(8201, first_name="Ann", language_code="en")
LI = Person(8202, first_name="李", language_code="zh-hans")


async def _broadcast_to_the_unit(db, setup, topic="notices"):
    """An outage notice to the unit with the stop button; what each chat received."""
    key = await state.signing_key(db)
    async with db.uow() as uow:
        recipients = await unit_recipients(uow, setup.unit.id)
        await create_broadcast(
            uow,
            kind="outage",
            recipients=recipients,
            render=with_stop_button(key, topic, notice),
            send_at=db.clock.now(),
            idempotency_key=f"outage-{topic}",
            unit_id=setup.unit.id,
        )
        await uow.commit()
    transport = ScriptedTransport()
    await Sender(db, transport, rate_per_s=1000).run_until_idle()
    return {chat: buttons for chat, _text, buttons in transport.sent}


async def test_the_stop_button_opts_the_household_out_and_says_so_in_their_language(db, app):
    setup = await make_unit_with_partner(db)
    ann = await telegram_shopper(db, setup, ANN)
    li = await telegram_shopper(db, setup, LI, room="1302")
    received = await _broadcast_to_the_unit(db, setup)

    ((ann_label, ann_data),) = received[str(ANN.id)][-1]
    ((li_label, li_data),) = received[str(LI.id)][-1]
    assert ann_label == "🔕 Stop these messages"
    assert li_label == "🔕 不再接收此类消息"

    await press_data(app, ANN, ann_data, message_id=1)
    await press_data(app, LI, li_data, message_id=1)

    assert toasts(app, ANN) == ["Stopped."]
    assert "we won't send you “Notices about your building” any more" in last_text(app, ANN)
    assert "Settings → Messages" in last_text(app, ANN)
    assert "不会再给您发送“您楼栋的通知”" in last_text(app, LI)
    async with db.uow() as uow:
        assert await opt_outs(uow, ann.id) == {"notices"}
        assert await opt_outs(uow, li.id) == {"notices"}


async def test_a_stop_button_forwarded_to_someone_else_changes_nothing_for_them(db, app):
    setup = await make_unit_with_partner(db)
    await telegram_shopper(db, setup, ANN)
    li = await telegram_shopper(db, setup, LI, room="1302")
    received = await _broadcast_to_the_unit(db, setup)
    ((_label, ann_data),) = received[str(ANN.id)][-1]

    await press_data(app, LI, ann_data, message_id=1)

    assert toasts(app, LI) == ["这个按钮已经失效了，请从主菜单重新选。"]  # "expired"
    async with db.uow() as uow:
        assert await opt_outs(uow, li.id) == set()


async def test_after_stopping_the_next_notice_is_not_sent_to_them(db, app):
    setup = await make_unit_with_partner(db)
    ann = await telegram_shopper(db, setup, ANN)
    received = await _broadcast_to_the_unit(db, setup)
    ((_label, data),) = received[str(ANN.id)][-1]
    await press_data(app, ANN, data, message_id=1)

    again = await _broadcast_to_the_unit(db, setup, topic="notices")  # same key: no new one
    assert again == {}
    key = await state.signing_key(db)
    async with db.uow() as uow:
        made = await create_broadcast(
            uow, kind="advice", recipients=await unit_recipients(uow, setup.unit.id),
            render=with_stop_button(key, "notices", notice), send_at=db.clock.now(),
            idempotency_key="advice-2",
        )  # fmt: skip
        await uow.commit()
        status = await uow.session.scalar(
            select(OutboxMessage.status).where(
                OutboxMessage.broadcast_id == made.id, OutboxMessage.customer_id == ann.id
            )
        )
    assert status == "opted_out"
