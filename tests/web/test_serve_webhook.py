"""Telegram's webhook on ``linli serve``: only Telegram's secret gets an update processed,
a full queue answers 429 so Telegram delivers later, and nothing is lost or doubled."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import ProcessedUpdate
from core.platform.config import WEBHOOK_SECRET_FORMAT
from tests.factories import make_unit_with_partner
from tests.telegram.fake_bot_api import Person
from tests.web.serve_support import served
from web.webhook import webhook_secret

ANNA = Person(424242, "Anna")


async def processed_updates(db) -> int:
    """Updates the flows recorded as handled."""
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)))


async def test_an_update_with_telegrams_secret_is_answered_by_the_bot(db):
    await make_unit_with_partner(db)
    async with served(db) as serve:
        status = await serve.post_update(serve.update_from(ANNA, "/start"))
        await serve.bot.update_queue.join()

        assert status == 200
        assert "Which neighbourhood do you live in?" in serve.sent_to(ANNA)[0]
        assert await processed_updates(db) == 1


async def test_an_update_without_the_secret_is_refused_and_nothing_is_processed(db):
    async with served(db) as serve:
        status = await serve.post_update(serve.update_from(ANNA, "/start"), secret=None)
        await serve.bot.update_queue.join()

        assert status == 401
        assert serve.sent_to(ANNA) == []
        assert await processed_updates(db) == 0


async def test_an_update_with_a_wrong_secret_is_refused_and_nothing_is_processed(db):
    async with served(db) as serve:
        status = await serve.post_update(serve.update_from(ANNA, "/start"), secret="guessed")
        await serve.bot.update_queue.join()

        assert status == 401
        assert serve.sent_to(ANNA) == []
        assert await processed_updates(db) == 0


async def test_a_body_that_is_not_an_update_is_a_bad_request(db):
    async with served(db, running=False) as serve:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "test_webhook-secret_0123456789"}
        broken = await serve.client.post("/telegram/hook", data=b"{not json", headers=headers)
        a_list = await serve.post_update([1, 2, 3])
        no_id = await serve.post_update({"message": {}})

        assert (broken.status, a_list, no_id) == (400, 400, 400)
        assert serve.bot.update_queue.qsize() == 0


async def test_past_the_queue_limit_telegram_is_told_to_retry_and_its_redelivery_is_served(db):
    await make_unit_with_partner(db)
    people = [Person(500 + n, f"Customer {n}") for n in range(3)]
    async with served(db, queue_limit=2, running=False) as serve:
        updates = [serve.update_from(who, "/start") for who in people]
        answers = [await serve.post_update(update) for update in updates]

        assert answers == [200, 200, 429]
        assert serve.bot.update_queue.qsize() == 2  # the refused one was not taken

        await serve.bot.start()  # the bot catches up with its queue
        await serve.bot.update_queue.join()
        assert await serve.post_update(updates[2]) == 200  # Telegram's redelivery
        await serve.bot.update_queue.join()

        assert all(len(serve.sent_to(who)) == 1 for who in people)
        assert await processed_updates(db) == 3


async def test_the_stored_webhook_secret_suits_telegram_and_is_shared_by_every_process(db):
    first = await webhook_secret(db)
    db.caches.clear()  # another process: the secret comes back from the database

    assert await webhook_secret(db) == first
    assert WEBHOOK_SECRET_FORMAT.fullmatch(first)
    assert len(first) == 43
