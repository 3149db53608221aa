"""Signals between processes: heard only when the work that sent them commits, in order."""

from __future__ import annotations

import asyncio

import pytest


async def test_a_signal_is_heard_after_commit_and_never_after_rollback(db):
    heard: list[str] = []
    both = asyncio.Event()

    async def listener(payload: str) -> None:
        heard.append(payload)
        if len(heard) == 2:
            both.set()

    await db.signals.listen("linli_test_topic", listener)
    try:
        async with db.uow() as uow:
            await uow.notify("linli_test_topic", "rolled back")
            await uow.rollback()
        async with db.uow() as uow:
            await uow.notify("linli_test_topic", "never committed")
        async with db.uow() as uow:
            await uow.notify("linli_test_topic", "first")
            await uow.notify("linli_test_topic", "second")
            assert heard == []  # not before the commit
            await uow.commit()
        await asyncio.wait_for(both.wait(), 2.0)
        await asyncio.sleep(0.1)  # nothing else comes
        assert heard == ["first", "second"]
    finally:
        await db.signals.unlisten("linli_test_topic", listener)


async def test_a_payload_postgresql_would_refuse_is_refused_on_every_database(db):
    async with db.uow() as uow:
        with pytest.raises(ValueError):
            await uow.notify("linli_test_topic", "x" * 8000)
        with pytest.raises(ValueError):
            await uow.notify("no spaces allowed", "x")
