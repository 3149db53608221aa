"""Signals between processes: heard only when the work that sent them commits, in order."""

from __future__ import annotations

import asyncio

import pytest


async def heard_within(heard: list[str], count: int, timeout_s: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while len(heard) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)


async def test_a_signal_is_heard_after_commit_and_never_after_rollback(db):
    heard: list[str] = []

    async def listener(payload: str) -> None:
        heard.append(payload)

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
        await heard_within(heard, 2)
        await asyncio.sleep(0.1)
        assert heard == ["first", "second"]
    finally:
        await db.signals.unlisten("linli_test_topic", listener)


async def test_a_payload_postgresql_would_refuse_is_refused_on_every_database(db):
    async with db.uow() as uow:
        with pytest.raises(ValueError):
            await uow.notify("linli_test_topic", "x" * 8000)
        with pytest.raises(ValueError):
            await uow.notify("no spaces allowed", "x")
