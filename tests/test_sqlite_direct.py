"""The ledger and chat-state writes taken straight to SQLite store what the session would."""

from __future__ import annotations

from sqlalchemy import select

from bot.flows import state
from bot.flows.context import ChatData
from core.models import ChatState, ProcessedUpdate


async def test_a_chat_state_saved_and_moved_on_reads_back_with_its_data_and_utc_time(db, clock):
    async with db.uow() as uow:
        await state.save(uow, "telegram", "42", ChatData("cart", {"page": 2, "名": "米"}), None)
        await uow.commit()
    async with db.uow() as uow:
        chat, version = await state.load(uow, "telegram", "42")
        await state.save(uow, "telegram", "42", ChatData("review", {"nonce": "n1"}), version)
        await uow.commit()
    async with db.uow() as uow:
        row = await uow.session.scalar(select(ChatState))
    assert (chat.step, chat.data, version) == ("cart", {"page": 2, "名": "米"}, 1)
    assert (row.step, row.data, row.version) == ("review", {"nonce": "n1"}, 2)
    assert row.updated_at == clock.now()  # an aware UTC time, as the ORM reads it


async def test_a_stale_version_is_refused_and_changes_nothing(db):
    async with db.uow() as uow:
        await state.save(uow, "telegram", "42", ChatData("cart", {}), None)
        await uow.commit()
    async with db.uow() as uow:
        try:
            await state.save(uow, "telegram", "42", ChatData("review", {}), 7)
        except state.StateConflict:
            refused = True
        else:
            refused = False
    async with db.uow() as uow:
        row = await uow.session.scalar(select(ChatState))
    assert refused and (row.step, row.version) == ("cart", 1)


async def test_an_update_id_is_recorded_once_and_a_rolled_back_one_is_not_kept(db, clock):
    async with db.uow() as uow:
        assert await state.first_time_seen(uow, "telegram", "1001")
        assert not await state.first_time_seen(uow, "telegram", "1001")
        await uow.commit()
    async with db.uow() as uow:
        assert await state.first_time_seen(uow, "telegram", "1002")
        await uow.rollback()
    async with db.uow() as uow:
        rows = list(await uow.session.scalars(select(ProcessedUpdate)))
    assert [(r.update_id, r.seen_at) for r in rows] == [("1001", clock.now())]
