"""Web Push: a notification for every web chat message nobody is looking at.

The sender listens to the transcript's signals (``webchat_log.TOPIC``: every append, in
any process, whoever wrote it). For a chat with subscriptions and no page open anywhere
(this process's pages, and the others' leases in ``push_subscriptions``) it sends one
notification per browser: the newest message's first words, encrypted to the browser's
keys (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292).

Off the request path: appends only queue the chat (several appends of one chat before
it is sent make one notification); a loop drains the queue at ``LINLI_PUSH_RATE_PER_S``
(aiolimiter, like the outbox), looking up to ``LOOKUP_BATCH`` queued chats at once (their
subscriptions and new messages: two queries, not two a chat, which capped a broadcast's
pushes at ~350/s on PostgreSQL). Encrypting and signing are CPU work in pywebpush's
synchronous code, so they run in a small thread pool; the POST itself is aiohttp, so
the event loop never waits on either. A push service that answers 404 or 410 forgot
the subscription, and its row goes; other failures are counted and logged, not retried
(the message stays in the transcript, which the page shows when opened).

Only one process sends (``active``: the role holder, core/platform/roles.py): every
process hears every signal, and a push must go once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from pywebpush import WebPusher

from core.messaging import push_subscriptions, webchat_log
from core.messaging.push_subscriptions import Target
from core.messaging.webchat_log import Appended, Logged
from core.platform.uow import Database
from core.platform.vapid import VapidKeys, vapid_keys

log = logging.getLogger("linli.push")

TITLE = "邻里 Linli"
MAX_BODY = 140
TTL_S = 24 * 3600  # a phone that is off gets it within a day, else never
SEND_TIMEOUT_S = 10.0
GONE = (404, 410)
SHOWN_KINDS = ("say", "document")
LOOKUP_BATCH = 100  # queued chats looked up together
Key = tuple[str, str]


@dataclass(frozen=True)
class Notification:
    """What the browser shows: a title, a short text, and where a tap leads."""

    title: str
    body: str
    url: str

    def payload(self) -> bytes:
        """The JSON the service worker reads (sw.js)."""
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url}, ensure_ascii=False
        ).encode()


def notification_of(messages: list[Logged]) -> Notification | None:
    """The newest shown message as a notification (None: nothing a person would read)."""
    shown = [m for m in messages if m.kind in SHOWN_KINDS]
    if not shown:
        return None
    newest = shown[-1]
    body = newest.body
    text = " ".join(str(body.get("text") or body.get("caption") or "").split())
    if not text:
        text = "📷" if body.get("photo") or body.get("image") else f"📄 {body.get('filename', '')}"
    if len(text) > MAX_BODY:
        text = text[: MAX_BODY - 1].rstrip() + "…"
    return Notification(TITLE, text.strip(), f"/?at={newest.seq}")


def prepared(target: Target, data: bytes, keys: VapidKeys) -> tuple[bytes, dict[str, str]]:
    """The encrypted body and headers of one push (CPU work: run in a thread)."""
    encoded = WebPusher(target.as_info()).encode(data, "aes128gcm")
    headers = {
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_S),
        "Urgency": "normal",
    }
    headers.update(keys.headers_for(target.endpoint))
    return bytes(encoded["body"]), headers


class PushSender:
    """Sends the notifications of one process (see the module's doc)."""

    def __init__(
        self,
        db: Database,
        *,
        open_here: Callable[[Key], bool] = lambda _key: False,
        active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.open_here = open_here
        self.active = active
        settings = db.settings
        rate = settings.push_rate_per_s
        burst = max(1.0, rate / 10)
        self._limiter = AsyncLimiter(burst, burst / rate)
        self._pool = ThreadPoolExecutor(settings.push_workers, thread_name_prefix="linli-push")
        self._sending = asyncio.Semaphore(settings.push_workers * 4)
        self._pending: dict[Key, tuple[int, int]] = {}
        self._wake = asyncio.Event()
        self._working = False
        self._subscribed: set[Key] = set()
        self._loop: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self.keys: VapidKeys | None = None
        self.sent = 0
        self.gone = 0
        self.failed = 0

    async def start(self) -> None:
        """Listen to every transcript append and subscription, and start sending."""
        self.keys = await vapid_keys(self.db)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_S))
        await self.db.signals.listen(webchat_log.TOPIC, self._appended, self._reload)
        await self.db.signals.listen(push_subscriptions.TOPIC, self._subscription)
        await self._reload()
        self._loop = asyncio.create_task(self._drain(), name="linli-push")

    async def stop(self) -> None:
        """Stop listening and sending (pushes still queued are dropped)."""
        await self.db.signals.unlisten(webchat_log.TOPIC, self._appended)
        await self.db.signals.unlisten(push_subscriptions.TOPIC, self._subscription)
        for task in [self._loop, *self._sends]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._http is not None:
            await self._http.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _reload(self) -> None:
        """Which chats have subscriptions (at start and after missed signals)."""
        async with self.db.uow() as uow:
            self._subscribed = await push_subscriptions.subscribed_chats(uow)

    async def _subscription(self, payload: str) -> None:
        channel, _, chat_id = payload.partition("/")
        self._subscribed.add((channel, chat_id))

    async def _appended(self, payload: str) -> None:
        """A transcript grew: queue its chat if someone there takes notifications."""
        appended = Appended.parse(payload)
        if appended is None or appended.key not in self._subscribed or not self.active():
            return
        if self.open_here(appended.key):
            return  # the page shows it this very moment
        first, _last = self._pending.get(appended.key, (appended.first, appended.last))
        self._pending[appended.key] = (min(first, appended.first), appended.last)
        self._wake.set()

    async def _drain(self) -> None:
        """Send what is queued, chat by chat, at the push rate."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._working = True
            while self._pending:
                batch: list[tuple[Key, int, int]] = []
                while self._pending and len(batch) < LOOKUP_BATCH:
                    key = next(iter(self._pending))
                    batch.append((key, *self._pending.pop(key)))
                try:
                    await self._notify(batch)
                except Exception:  # one batch's failure must not stop the others
                    log.exception("pushes for %d chats failed", len(batch))
            self._working = False

    async def _notify(self, batch: list[tuple[Key, int, int]]) -> None:
        """Look the chats up together, then queue their pushes at the push rate."""
        batch = [(key, first, last) for key, first, last in batch if not self.open_here(key)]
        async with self.db.uow() as uow:
            targets = await push_subscriptions.targets_unwatched_of(uow, [k for k, _, _ in batch])
            ranges = [(*key, first, last) for key, first, last in batch if key in targets]
            messages = await webchat_log.between(uow, ranges)
        for key, _first, _last in batch:
            notification = notification_of(messages.get(key, []))
            if key not in targets or notification is None:
                continue
            for target in targets[key]:
                await self._limiter.acquire()
                await self._sending.acquire()
                task = asyncio.create_task(self._send(target, notification))
                self._sends.add(task)
                task.add_done_callback(self._sends.discard)

    async def _send(self, target: Target, notification: Notification) -> None:
        """One push: encrypted and signed in a thread, posted with aiohttp."""
        try:
            assert self.keys is not None and self._http is not None
            loop = asyncio.get_running_loop()
            body, headers = await loop.run_in_executor(
                self._pool, prepared, target, notification.payload(), self.keys
            )
            async with self._http.post(target.endpoint, data=body, headers=headers) as answer:
                status = answer.status
            if status in GONE:
                async with self.db.uow() as uow:
                    await push_subscriptions.forget_endpoint(uow, target.endpoint)
                    await uow.commit()
                self.gone += 1
                log.info("push subscription gone (%s): removed", status)
            elif status >= 300:
                self.failed += 1
                log.warning("push refused with %s", status)
            else:
                self.sent += 1
        except (aiohttp.ClientError, TimeoutError, OSError) as failed:
            self.failed += 1
            log.warning("push not sent (%s)", failed)
        finally:
            self._sending.release()

    async def idle(self, timeout_s: float = 10.0) -> None:
        """Until nothing is queued or being sent (tests, the bench)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._pending or self._working or self._sends:
            if loop.time() > deadline:
                raise TimeoutError("pushes still pending")
            await asyncio.sleep(0.01)


def info(sender: PushSender) -> dict[str, Any]:
    """Counts for logs and the bench."""
    return {"sent": sender.sent, "gone": sender.gone, "failed": sender.failed}
