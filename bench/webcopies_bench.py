"""A 5,000-household broadcast, 60% on the web: web copies into transcripts and pushed,
while the Telegram copies keep Telegram's pace.

Run: .venv/bin/python -m bench.webcopies_bench [--households 5000] [--web-share 0.6]
     [--window 10] [--push-rate 1000] [--server postgresql://…]   (SQLite by default)
Target (issue 17): ≥ 500 web copies/s from the sender's start until every web copy is in
its chat's transcript AND pushed to the (fake) push service, while the Telegram copies go
at the 30/s limit (achieved rate / limit ≥ 0.95, 429s after the first 0).

Every web household has one browser subscribed to Web Push and no page open, so each web
copy means one push. The push sender is the one ``linli serve`` runs
(``core.messaging.webpush.PushSender``, as ``web/chat/push.py`` makes it, holding the
role): it hears the transcript's signals (in-process on SQLite, LISTEN/NOTIFY on
PostgreSQL), encrypts in its thread pool and POSTs with aiohttp at ``--push-rate``
(``LINLI_PUSH_RATE_PER_S``, the setting's default unless given). The fake push service
(``bench/fake_push_service.py``) runs in its own process on 127.0.0.1, answers 201 and
decrypts every push as the browser would; the time to the last push is its clock's.

The fake Bot API (``tests/telegram/limited_bot_api.py``) runs in its own process on
127.0.0.1 and enforces 30/s; the sender is the real one (``core.messaging.outbox.sender``)
on python-telegram-bot's Bot. The households are made in bulk (a fifth of them with both
a web and a Telegram identity, the one used last deciding). The time to the last web copy
is taken when the sender tells the pages of it (its ``published`` hook, after the
commit); Telegram's rate is measured on the fake server over the first ``--window``
seconds (the whole 2,000 at 30/s would take 67 s), then the sender is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import time
import urllib.request
from collections import Counter
from typing import Any

from sqlalchemy import insert, select

from bench.common import fake_service, machine
from bench.outbox_bench import TOKEN, database, fake_bot_api, server_stats
from bot.handlers.telegram_outbox import TelegramTransport
from core.messaging.outbox.enqueue import recipients_for
from core.messaging.outbox.sender import Sender
from core.messaging.webpush import PushSender
from core.models import PushSubscription, WebChatMessage
from core.platform.config import Settings
from core.platform.uow import Database
from tests.outbox.web_support import mixed_households
from tests.outbox_support import broadcast_to

DEFAULT_PUSH_RATE = Settings.model_fields["push_rate_per_s"].default


def fake_push_service(check_every: int) -> contextlib.AbstractContextManager[int]:
    """The fake push service in its own process; its port."""
    return fake_service(
        "bench.fake_push_service", "--check-every", str(check_every), what="fake push service"
    )


def push_get(port: int, path: str) -> dict[str, Any]:
    """GET one of the fake push service's JSON pages."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
        found: dict[str, Any] = json.load(answer)
        return found


async def subscribe_all(db: Database, push_port: int, chats: list[str]) -> None:
    """One browser subscribed for each web chat (its page closed): a push a web copy."""
    keys = push_get(push_port, "/keys")
    now = db.clock.now()
    async with db.uow() as uow:
        for start in range(0, len(chats), 1000):
            await uow.session.execute(
                insert(PushSubscription.__table__),
                [
                    {
                        "channel": "web",
                        "chat_id": chat,
                        "endpoint": f"http://127.0.0.1:{push_port}/push/{chat}",
                        "p256dh": keys["p256dh"],
                        "auth": keys["auth"],
                        "created_at": now - dt.timedelta(days=1),
                        "page_open_until": None,
                    }
                    for chat in chats[start : start + 1000]
                ],
            )
        await uow.commit()


async def make_broadcast(
    db: Database, households: int, web_share: float, push_port: int
) -> dict[str, int]:
    """The households (the web ones subscribed to pushes) and one broadcast to all of them;
    copies by channel."""
    web = round(households * web_share)
    telegram = households - web
    both = households // 5  # half of them used the web last, half Telegram
    people = await mixed_households(
        db,
        web=web - both // 2,
        telegram=telegram - (both - both // 2),
        both_web_last=both // 2,
        both_telegram_last=both - both // 2,
    )
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    await subscribe_all(db, push_port, [r.chat_id for r in recipients if r.channel == "web"])
    await broadcast_to(db, recipients, key="bench-webcopies")
    return dict(Counter(r.channel for r in recipients))


async def pushes_in(push_port: int, total: int, timeout_s: float) -> dict[str, Any]:
    """Poll the fake push service until ``total`` pushes arrived; its stats."""
    deadline = time.perf_counter() + timeout_s
    while True:
        seen = await asyncio.to_thread(push_get, push_port, "/stats")
        if seen["taken"] >= total or time.perf_counter() > deadline:
            return seen
        await asyncio.sleep(0.05)


async def one_run(
    db: Database, port: int, push_port: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Drain the broadcast for ``--window`` seconds (and the pushes); the figures."""
    began = time.perf_counter()
    by_channel = await make_broadcast(db, args.households, args.web_share, push_port)
    enqueue_s = time.perf_counter() - began
    web_total = by_channel.get("web", 0)
    written = 0
    done = asyncio.Event()
    last_web_at = 0.0

    async def published(_channel: str, _chat: str, messages: list[Any]) -> None:
        nonlocal written, last_web_at
        written += len(messages)
        if written >= web_total:
            last_web_at = time.perf_counter()
            done.set()

    pusher = PushSender(db)  # as `linli serve` makes it (web/chat/push.py), holding the role
    await pusher.start()
    transport = TelegramTransport.for_token(TOKEN, base_url=f"http://127.0.0.1:{port}/bot")
    try:
        async with transport.bot:
            sender = Sender(db, transport, rate_per_s=args.limit, published=published)
            stop = asyncio.Event()
            started, cpu = time.perf_counter(), time.process_time()
            started_wall = time.time()
            running = asyncio.create_task(sender.run_forever(stop))
            await asyncio.wait_for(done.wait(), args.window * 10)
            web_s = last_web_at - started
            web_cpu_s = time.process_time() - cpu
            pushed = await pushes_in(push_port, web_total, args.window * 10)
            push_cpu_s = time.process_time() - cpu
            push_s = (pushed["last_at"] or started_wall) - started_wall
            await asyncio.sleep(max(0.0, args.window - (time.perf_counter() - started)))
            stop.set()
            telegram_s = time.perf_counter() - started
            await running
    finally:
        await pusher.stop()
    seen = server_stats(port)
    span = (seen["last_at"] or 0) - (seen["first_at"] or 0)
    async with db.uow() as uow:
        bodies = list(await uow.session.scalars(select(WebChatMessage.body)))
    per_row = Counter(body.get("outbox") for body in bodies)
    in_transcripts, doubled = len(bodies), sum(1 for n in per_row.values() if n > 1)
    return {
        "households": args.households,
        "web": web_total,
        "telegram": by_channel.get("telegram", 0),
        "enqueue_s": enqueue_s,
        "web_s": web_s,
        "web_rate": web_total / web_s if web_s > 0 else float("nan"),
        "web_cpu_ms": web_cpu_s * 1000 / max(1, web_total),
        "push_s": push_s,
        "push_rate": pushed["taken"] / push_s if push_s > 0 else float("nan"),
        "push_cpu_ms": push_cpu_s * 1000 / max(1, web_total),
        "pushes": pushed["taken"],
        "push_endpoints": pushed["endpoints"],
        "push_repeated": pushed["repeated"],
        "push_undecryptable": pushed["undecryptable"],
        "push_sample": (pushed["sample"] or {}).get("body"),
        "push_limit": db.settings.push_rate_per_s,
        "push_workers": db.settings.push_workers,
        "pusher": {"sent": pusher.sent, "failed": pusher.failed, "gone": pusher.gone},
        "in_transcripts": int(in_transcripts or 0),
        "doubled": int(doubled or 0),
        "telegram_delivered": seen["delivered"],
        "telegram_rate": (seen["delivered"] - 1) / span if span > 0 else float("nan"),
        "limit": args.limit,
        "duplicates": seen["duplicates"],
        "after_first": max(0, seen["rejections"] - 1),
        "window": telegram_s,
    }


def show(row: dict[str, Any]) -> None:
    """The figures, in the other benches' shape."""
    print(
        f"\n{row['households']:,} households: {row['web']:,} copies to web chats, "
        f"{row['telegram']:,} to Telegram (broadcast written in {row['enqueue_s'] * 1000:.0f} ms)"
    )
    print(
        f"  web: every copy in its transcript {row['web_s'] * 1000:.0f} ms after the sender "
        f"started = {row['web_rate']:,.0f} web copies/s (sender CPU {row['web_cpu_ms']:.3f} ms "
        f"a copy, Telegram included); transcript rows {row['in_transcripts']:,}, "
        f"written twice {row['doubled']}"
    )
    print(
        f"  push: every push at the fake push service {row['push_s'] * 1000:.0f} ms after the "
        f"sender started = {row['push_rate']:,.0f} pushes/s (LINLI_PUSH_RATE_PER_S "
        f"{row['push_limit']:.0f}, {row['push_workers']} threads; CPU of the whole process "
        f"{row['push_cpu_ms']:.3f} ms a web copy, copy and push); {row['pushes']:,} pushes to "
        f"{row['push_endpoints']:,} endpoints, pushed twice {row['push_repeated']}, "
        f"undecryptable {row['push_undecryptable']}, sender {row['pusher']}; "
        f"one decrypted: {row['push_sample']!r}"
    )
    print(
        f"  telegram over the first {row['window']:.0f} s: {row['telegram_delivered']} delivered "
        f"at {row['telegram_rate']:.1f}/s = {row['telegram_rate'] / row['limit']:.3f} of the "
        f"{row['limit']:.0f}/s limit; duplicates {row['duplicates']}, "
        f"429s after the first {row['after_first']}"
    )


async def run(args: argparse.Namespace) -> None:
    """One broadcast, one sender, one fake Bot API."""
    print(f"machine: {machine()}")
    print(f"database: {'PostgreSQL' if args.server else 'SQLite'}")
    async with database(args.server) as db:
        if args.push_rate is not None:
            db.settings = db.settings.model_copy(update={"push_rate_per_s": args.push_rate})
        if args.push_workers is not None:
            db.settings = db.settings.model_copy(update={"push_workers": args.push_workers})
        with fake_bot_api(args.limit) as port, fake_push_service(args.check_every) as push_port:
            row = await one_run(db, port, push_port, args)
    show(row)


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--web-share", type=float, default=0.6)
    parser.add_argument("--limit", type=float, default=30.0, help="Telegram's rate, per second")
    parser.add_argument("--window", type=float, default=10.0, help="seconds of Telegram sending")
    parser.add_argument(
        "--push-rate",
        type=float,
        default=None,
        help=f"pushes a second (default: LINLI_PUSH_RATE_PER_S's, {DEFAULT_PUSH_RATE:g})",
    )
    parser.add_argument(
        "--check-every", type=int, default=1, help="the fake push service decrypts every n-th"
    )
    parser.add_argument("--push-workers", type=int, default=None, help="push threads")
    parser.add_argument("--server", default=None, help="a PostgreSQL URL (default: SQLite)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
