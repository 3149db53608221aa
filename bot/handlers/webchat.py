"""The web chat channel ("web"): JSON messages from the page in, JSON messages out.

A page message (typed text, a button press, a command such as ``/start PAYLOAD``, a
typed phone number for the "share my phone" key, a menu-bar tap) becomes an
``Incoming`` for ``bot.flows.router.handle``; its replies are written to the chat's
numbered transcript (``core.messaging.webchat_log``) and pushed to every page open on that chat
(``Hub``). The page's own message id is the update id, so a resend after a reconnect is
handled once (the router dedupes), and a page that reconnects asks for what came after
the last number it shows.

``Forward`` replies: to a web chat they join that chat's transcript (and its open
pages); to a Telegram chat (a partner's ping) they join that chat's web view — which
the partner sees after a web sign-in — and are handed to the Telegram side: the
``telegram_forward`` hook when the bot runs in this process (the Telegram renderer's
``forward``, which records relay links), else they wait in the transcript marked
``to_telegram`` (``core.messaging.webchat_log.waiting_for_telegram``).

A partner signed in on the web who has a Telegram account speaks as it (channel
"telegram", their Telegram id): partners are known by it, so the partner flows run
unchanged and the page is one more view of that same conversation. A partner without
Telegram has a web partner chat (channel "web", ``partner-<id>``) that only a browser
signed in as them opens; everything for them lands there, live. Each page message of a
partner's browser checks its device again (``core.people.partner_devices``): a revoked
one is told to reload, and is a customer's page from then on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.flows import callbacks, router, state
from bot.flows.events import Button, Command, Contact, Event, Incoming, Photo, Text
from bot.flows.partner.home import PartnerScreen
from bot.flows.partner.tonight_payloads import TonightRun
from bot.flows.payloads import Menu, PickLanguage
from bot.flows.replies import Document, Edit, Forward, InlineButton, Reply, Say, Toast
from bot.handlers.webchat_render import (
    Item,
    document_item,
    edit_item,
    image_url,
    ref_of,
    say_item,
    seq_of,
    toast_item,
)
from bot.i18n import supported_locale
from core.messaging import webchat_images, webchat_log
from core.messaging.relay import customer_behind, remember
from core.messaging.webchat_log import Logged
from core.models import Partner, ProcessedUpdate
from core.people.customers import customer_for_identity
from core.people.partner_devices import partner_address, partner_of_device
from core.platform.uow import Database

log = logging.getLogger("linli.webchat")

CHANNEL = "web"
TELEGRAM = "telegram"
MAX_TEXT = 4000
# Page messages in the flows at once, as the Telegram adapter allows (bot/handlers/telegram.py).
CONCURRENCY = 16
SQLITE_CONCURRENCY = 8
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,36}$")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:\s+(.*))?$", re.DOTALL)
# The bottom bar's buttons: main-menu sections (``None`` opens the whole menu).
MENU_BAR = {"shop": "shop", "deals": "deals", "cart": "cart", "orders": "orders", "more": None}
# A signed-in partner's bottom bar: cockpit screens (``run``: tonight's run sheet).
PARTNER_BAR = ("home", "tonight", "run", "customers", "notices", "earnings", "invite")

TelegramForward = Callable[[Forward], Awaitable[None]]
UpdateObserver = Callable[[str, float, bool], None]  # (channel, seconds, ok)
Listener = Callable[[list[Logged]], Awaitable[None]]


class BadMessage(ValueError):
    """A page message that is not one of ours (ignored, never reaching the flows)."""


class SignedOut(Exception):
    """The partner device behind this page was revoked or expired: the page must reload."""


@dataclass(frozen=True)
class WebIdentity:
    """Whose chat a page shows: a web customer's, or a signed-in partner's chat.

    ``partner_id`` and ``device`` (the browser's device key) for a partner's page.
    """

    channel: str
    chat_id: str
    language_code: str | None = None
    # The network address the page came from (HQ's suspicious list: many households
    # created from one address in a day); not part of who the chat is.
    origin: str | None = field(default=None, compare=False)
    partner_id: int | None = None
    device: str | None = None

    @property
    def is_partner(self) -> bool:
        """A partner's page (their cockpit bar, not the customer's)."""
        return self.partner_id is not None

    @property
    def key(self) -> tuple[str, str]:
        """The transcript's key."""
        return self.channel, self.chat_id


def customer_identity(
    web_id: str, language_code: str | None = None, origin: str | None = None
) -> WebIdentity:
    """A web customer: their random id is both the chat and the user."""
    return WebIdentity(CHANNEL, web_id, language_code, origin)


def partner_identity(telegram_id: int, language_code: str | None = None) -> WebIdentity:
    """A partner signed in on the web: their Telegram chat, seen in the page."""
    return WebIdentity(TELEGRAM, str(telegram_id), language_code)


def partner_web_identity(
    partner: Partner, language_code: str | None = None, *, device: str | None = None
) -> WebIdentity:
    """A partner signed in on the web: their Telegram chat if they have one, else their web one."""
    channel, chat_id = partner_address(partner)
    return WebIdentity(channel, chat_id, language_code, partner_id=partner.id, device=device)


def parse_command(text: str) -> Command | None:
    """``/start PAYLOAD`` → Command; anything else → None."""
    found = _COMMAND.match(text.strip())
    if found is None:
        return None
    name, args = found.groups()
    return Command(name.lower(), (args or "").strip())


def update_id_of(who: WebIdentity, client_id: str) -> str:
    """The router's update id for a page message: the page's id, scoped to its chat.

    Two chats' pages can never collide (or be made to), and it fits the 40 characters
    the dedupe table keeps.
    """
    digest = hashlib.sha256(f"{who.channel}/{who.chat_id}/{client_id}".encode()).hexdigest()
    return f"web:{digest[:32]}"


def echo_of(message: dict[str, Any], incoming: Incoming) -> dict[str, Any] | None:
    """The person's own bubble for typed text, phone numbers and photos (presses have none)."""
    event = incoming.event
    client_id = message.get("id")
    if isinstance(event, Photo):
        image_id = webchat_images.id_of(event.file_ref)
        return {"id": client_id, "text": event.caption, "photo": image_url(image_id or "")}
    if message.get("type") not in ("text", "contact"):
        return None  # a menu-bar tap is a button, even when it opens the menu by command
    if isinstance(event, Text):
        return {"id": client_id, "text": event.text}
    if isinstance(event, Command):
        return {"id": client_id, "text": f"/{event.name} {event.args}".strip()}
    if isinstance(event, Contact):
        return {"id": client_id, "text": f"📱 {event.phone}"}
    return None


@dataclass
class Hub:
    """The pages open in this process, per chat, to push new messages to at once.

    A listener given an empty list looks in the transcript itself (after the signals'
    connection came back, or on the slow safety-net poll).
    """

    listeners: dict[tuple[str, str], set[Listener]] = field(default_factory=dict)
    # the newest number pushed per open chat, so a signal of it is not read again
    published: dict[tuple[str, str], int] = field(default_factory=dict)

    def join(self, key: tuple[str, str], listener: Listener) -> None:
        """Start pushing ``key``'s new messages to ``listener``."""
        self.listeners.setdefault(key, set()).add(listener)

    def leave(self, key: tuple[str, str], listener: Listener) -> None:
        """Stop pushing to ``listener``."""
        group = self.listeners.get(key)
        if group is not None:
            group.discard(listener)
            if not group:
                del self.listeners[key]
                self.published.pop(key, None)

    def is_open(self, key: tuple[str, str]) -> bool:
        """True while a page of the chat is open in this process."""
        return bool(self.listeners.get(key))

    async def publish(self, key: tuple[str, str], messages: list[Logged]) -> None:
        """Push to every open page of the chat; a page that fails catches up on reconnect."""
        if not messages or key not in self.listeners:
            return
        self.published[key] = max(self.published.get(key, 0), messages[-1].seq)
        await self._tell(key, messages)

    async def look_again(self) -> None:
        """Every open page reads what it may have missed from the transcript."""
        for key in list(self.listeners):
            await self._tell(key, [])

    async def _tell(self, key: tuple[str, str], messages: list[Logged]) -> None:
        for listener in list(self.listeners.get(key, ())):
            try:
                await listener(messages)
            except (ConnectionError, RuntimeError, asyncio.CancelledError) as gone:
                log.info("web chat %s: a page missed a push (%s)", key, gone)


class WebChat:
    """The web channel adapter: page messages through the flows, replies to transcripts."""

    def __init__(
        self,
        db: Database,
        hub: Hub | None = None,
        telegram_forward: TelegramForward | None = None,
        concurrency: int | None = None,
        observer: UpdateObserver | None = None,
    ) -> None:
        self.db = db
        self.hub = hub or Hub()
        self.telegram_forward = telegram_forward
        self.observer = observer  # told of every page message handled (the metrics)
        self.poll_s = db.settings.webchat_poll_seconds  # each open page's safety-net poll
        if concurrency is None:
            concurrency = SQLITE_CONCURRENCY if db.is_sqlite else CONCURRENCY
        self._slots = asyncio.Semaphore(concurrency)
        self._chat_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._waiting: dict[tuple[str, str], int] = {}

    async def to_incoming(self, who: WebIdentity, message: dict[str, Any]) -> Incoming:
        """The flows' view of a page message; BadMessage for anything malformed."""
        client_id = message.get("id")
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            raise BadMessage("a page message needs an id of 8–36 letters, digits, - or _")
        ref = message.get("ref")
        message_ref = ref_of(ref) if isinstance(ref, int) and ref > 0 else None
        reply_to = message.get("reply_to")
        reply_to_ref = ref_of(reply_to) if isinstance(reply_to, int) and reply_to > 0 else None
        return Incoming(
            channel=who.channel,
            chat_id=who.chat_id,
            user_id=who.chat_id,
            event=await self._event(who, message),
            language_code=who.language_code,
            update_id=update_id_of(who, client_id),
            message_ref=message_ref,
            reply_to_ref=reply_to_ref,
            origin=who.origin,
        )

    async def _event(self, who: WebIdentity, message: dict[str, Any]) -> Event:
        """What the page message means to a flow."""
        kind = message.get("type")
        if kind == "text":
            text = message.get("text")
            if not isinstance(text, str) or not text.strip():
                raise BadMessage("empty text")
            text = text[:MAX_TEXT]
            return parse_command(text) or Text(text)
        if kind == "button":
            data = message.get("data")
            return Button(data if isinstance(data, str) else "")
        if kind == "contact":
            phone = message.get("phone")
            if not isinstance(phone, str) or not phone.strip():
                raise BadMessage("empty phone")
            return Contact(phone.strip()[:20], own=True)
        if kind == "photo":
            return await self._photo(who, message)
        if kind == "menu" and who.is_partner:
            return await self._partner_bar(who, message.get("section"))
        if kind == "menu":
            section = message.get("section")
            if section not in MENU_BAR:
                raise BadMessage("no such menu section")
            target = MENU_BAR[section]
            if target is None:
                return Command("menu")
            key = await state.signing_key(self.db)
            return Button(callbacks.pack(key, who.chat_id, Menu(target)))
        raise BadMessage(f"unknown page message type {kind!r}")

    async def _partner_bar(self, who: WebIdentity, section: object) -> Event:
        """A tap on the partner's bottom bar: that cockpit screen, as its own button would."""
        if section not in PARTNER_BAR:
            raise BadMessage("no such cockpit section")
        item = TonightRun(0) if section == "run" else PartnerScreen(str(section))
        key = await state.signing_key(self.db)
        return Button(callbacks.pack(key, who.chat_id, item))

    async def _photo(self, who: WebIdentity, message: dict[str, Any]) -> Photo:
        """A photo this chat uploaded (``web.chat.photos``); anyone else's id is refused."""
        image_id = message.get("image")
        if not isinstance(image_id, str) or not await webchat_images.owned_by(
            self.db, image_id, who.channel, who.chat_id
        ):
            raise BadMessage("no such photo")
        caption = message.get("caption")
        caption = caption.strip()[:MAX_TEXT] if isinstance(caption, str) else ""
        return Photo(webchat_images.ref_of(image_id), caption)

    async def handled(self, who: WebIdentity, client_id: str) -> bool:
        """True when the page message ``client_id`` of this chat was handled already."""
        return await self.seen_before(
            Incoming(
                channel=who.channel,
                chat_id=who.chat_id,
                user_id=who.chat_id,
                event=Text(""),
                update_id=update_id_of(who, client_id),
            )
        )

    async def still_partner(self, who: WebIdentity) -> bool:
        """True unless ``who`` is a partner's page whose device was revoked or expired."""
        if who.device is None:
            return True
        async with self.db.uow() as uow:
            partner = await partner_of_device(uow, who.device)
            await uow.commit()
        return partner is not None and partner.id == who.partner_id

    async def receive(self, who: WebIdentity, message: dict[str, Any]) -> list[Reply]:
        """Handle one page message to the end: flows, transcripts, pushes."""
        if not await self.still_partner(who):
            raise SignedOut(who.partner_id)
        incoming = await self.to_incoming(who, message)
        started, ok = time.perf_counter(), False
        try:
            replies = await self.run(who, incoming, echo=echo_of(message, incoming))
            ok = True
            return replies
        finally:
            if self.observer is not None:
                self.observer(CHANNEL, time.perf_counter() - started, ok)

    async def run(
        self, who: WebIdentity, incoming: Incoming, echo: dict[str, Any] | None = None
    ) -> list[Reply]:
        """Run ``incoming`` through the flows and deliver its replies.

        ``echo``: what the person wrote, kept in the transcript before the answers so a
        reloaded page shows both sides (not again for a resend already handled).
        """
        key = (incoming.channel, incoming.chat_id)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:  # one chat in order; a bounded number at once
                if echo is not None and await self.seen_before(incoming):
                    echo = None
                replies = await router.handle(self.db, incoming)
                before: list[Item] = [("me", echo)] if echo is not None else []
                await self.deliver(
                    who, replies, pressed=seq_of(incoming.message_ref), before=before
                )
                return replies
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._chat_locks[key]

    async def seen_before(self, incoming: Incoming) -> bool:
        """True when this update id was handled already (a page resending after a reconnect)."""
        if incoming.update_id is None:
            return False
        async with self.db.uow() as uow:
            found = await uow.session.get(ProcessedUpdate, (incoming.channel, incoming.update_id))
            return found is not None

    async def deliver(
        self,
        who: WebIdentity,
        replies: list[Reply],
        pressed: int | None,
        before: list[Item] | None = None,
    ) -> None:
        """Write this chat's replies in order, then each message to someone else."""
        items: list[Item] = list(before or ())
        for reply in replies:
            if isinstance(reply, Say):
                items.append(say_item(reply))
            elif isinstance(reply, Edit):
                items.append(edit_item(reply, pressed))
            elif isinstance(reply, Toast):
                items.append(toast_item(reply))
            elif isinstance(reply, Document):
                items.append(document_item(reply))
        written = await webchat_log.append(self.db, who.channel, who.chat_id, items)
        await self.hub.publish(who.key, written)
        for reply in replies:
            if isinstance(reply, Forward):
                await self.forward(reply)

    async def forward(self, reply: Forward) -> None:
        """A message to another person, in their web view; to Telegram as well when theirs."""
        text = reply.text
        image_id = webchat_images.id_of(reply.photo_ref)
        if reply.photo_ref and image_id is None:
            text = f"{text}\n📷" if text else "📷"  # a Telegram photo cannot be shown here
        item = say_item(Say(text, reply.buttons), reply_ref=reply.relay_customer_id is not None)
        if image_id is not None:  # a web photo: its recipient may read it, and sees it inline
            await webchat_images.deliver_to(self.db, image_id, reply.channel, reply.chat_id)
            item[1]["photo"] = image_url(image_id)
        to_telegram = reply.channel == TELEGRAM
        if to_telegram and reply.photo_ref:
            item[1]["photo_ref"] = reply.photo_ref  # for the copy sent on Telegram
        written = await webchat_log.append(
            self.db, reply.channel, reply.chat_id, [item], to_telegram=to_telegram
        )
        if reply.relay_customer_id is not None:
            async with self.db.uow() as uow:
                await remember(
                    uow,
                    channel=reply.channel,
                    partner_chat_id=reply.chat_id,
                    message_ref=ref_of(written[0].seq),
                    customer_id=reply.relay_customer_id,
                )
                await uow.commit()
        await self.hub.publish((reply.channel, reply.chat_id), written)
        if to_telegram and self.telegram_forward is not None:
            try:
                await self.telegram_forward(reply)
            except Exception:  # Telegram down or refusing: the row keeps waiting
                log.warning("to Telegram chat %s: not sent yet", reply.chat_id, exc_info=True)
                return
            await webchat_log.sent_to_telegram(self.db, reply.chat_id, written[0].seq)

    async def publish_elsewhere(self, channel: str, chat_id: str, messages: list[Logged]) -> None:
        """Messages someone else wrote into a chat's transcript (a broadcast's web copy):
        the pages open on it in this process show them at once."""
        await self.hub.publish((channel, chat_id), messages)

    async def hand_over_to_telegram(self, limit: int = 100) -> int:
        """Send what waits for Telegram chats through ``telegram_forward``; how many went.

        For the Telegram side to call once it runs (and now and then): messages written
        while no bot was running, or that Telegram refused for a while. Relay links come
        back from the web copy's, so a partner's reply on Telegram still finds the customer.
        """
        if self.telegram_forward is None:
            return 0
        sent = 0
        for chat_id, message in await webchat_log.waiting_for_telegram(self.db, limit):
            async with self.db.uow() as uow:
                customer_id = await customer_behind(
                    uow, channel=TELEGRAM, partner_chat_id=chat_id, message_ref=ref_of(message.seq)
                )
            body = message.body
            buttons = tuple(
                tuple(InlineButton(b["label"], b["data"]) for b in row)
                for row in body.get("buttons", [])
            )
            text = body.get("text", "")
            photo = body.get("photo_ref")
            if photo and text.endswith("📷"):
                text = text[: -len("📷")].rstrip("\n")
            try:
                await self.telegram_forward(
                    Forward(
                        channel=TELEGRAM,
                        chat_id=chat_id,
                        text=text,
                        photo_ref=photo,
                        relay_customer_id=customer_id,
                        buttons=buttons,
                    )
                )
            except Exception:
                log.warning("to Telegram chat %s: still not sent", chat_id, exc_info=True)
                continue
            await webchat_log.sent_to_telegram(self.db, chat_id, message.seq)
            sent += 1
        return sent

    async def locale_of(self, who: WebIdentity) -> str:
        """The language the chat's customer reads (the page's own words follow it)."""
        async with self.db.uow() as uow:
            customer = await customer_for_identity(
                uow, who.channel, who.chat_id, locale=supported_locale(who.language_code)
            )
            await uow.commit()
            return customer.locale

    async def may_change_language(self, who: WebIdentity, message: dict[str, Any]) -> bool:
        """True for a press of a language button (the page then asks for its words again)."""
        data = message.get("data")
        if message.get("type") != "button" or not isinstance(data, str):
            return False
        try:
            item = callbacks.unpack(await state.signing_key(self.db), who.chat_id, data)
        except callbacks.StaleButton:
            return False
        return isinstance(item, PickLanguage)

    async def listen(self) -> None:
        """Learn of every append to a transcript, in any process (``webchat_log.TOPIC``)."""
        await self.db.signals.listen(webchat_log.TOPIC, self.signalled, self.hub.look_again)

    async def stop_listening(self) -> None:
        """The server is stopping."""
        await self.db.signals.unlisten(webchat_log.TOPIC, self.signalled)

    async def signalled(self, payload: str) -> None:
        """A transcript grew (here or in another process): push it to the pages open here."""
        appended = webchat_log.Appended.parse(payload)
        if appended is None or not self.hub.is_open(appended.key):
            return
        if appended.last <= self.hub.published.get(appended.key, 0):
            return  # written and pushed by this process already
        messages = await webchat_log.after(self.db, *appended.key, appended.first - 1)
        await self.hub.publish(appended.key, messages)

    async def last_seq(self, who: WebIdentity) -> int:
        """The number of the chat's newest message (0 before any)."""
        async with self.db.uow() as uow:
            return await webchat_log.last_seq(uow, who.channel, who.chat_id)

    async def history(self, who: WebIdentity, after_seq: int) -> list[Logged]:
        """What the chat holds after ``after_seq`` (what a reconnecting page is missing)."""
        return await webchat_log.after(self.db, who.channel, who.chat_id, after_seq)
