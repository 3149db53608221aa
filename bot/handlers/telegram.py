"""The Telegram channel: python-telegram-bot 22 in front of the channel-neutral flows.

One ``TypeHandler(Update)`` turns every update into a ``bot.flows.events.Incoming``,
runs ``bot.flows.router.handle`` (which owns the transaction, the chat state and the
dedupe of redelivered update ids) and renders the replies with the Bot API
(``bot.handlers.telegram_render``). Every callback query is answered exactly once,
with the flows' toast when there is one. "Message is not modified" and a user who
blocked the bot (403 Forbidden) are logged at info and otherwise ignored; anything else
reaches the one error handler, which logs the update id, chat id and exception and
tells the person a short apology in their language — never a stack trace.

Running it: ``linli bot`` (``app/cli/bot.py``) long-polls Telegram with the token in
``LINLI_TELEGRAM_TOKEN``. ``LINLI_TELEGRAM_API_URL`` points at a self-hosted Bot API
server instead (Telegram's ``telegram-bot-api``): the bot then calls ``{url}/bot<token>/…``
and downloads files from ``{url}/file/bot<token>/…``. Outgoing calls go through
PTB's ``AIORateLimiter`` (retrying ``RetryAfter``). Updates of different chats are
processed concurrently (16 at most, 8 on SQLite), those of one chat in order
(``PerChatUpdateProcessor``).
Only private chats are served: the bot ignores groups it is added to. On start the
commands /start, /menu and /help are registered for private chats, described in
Chinese by default and in English for English-language apps.

Tests drive ``build_application(..., request=RecordingRequest())`` through the real
``Application.process_update`` (see ``tests/telegram/fake_bot_api.py``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.flows import router
from bot.flows.events import (
    Button,
    Command,
    Contact,
    Event,
    Incoming,
    Location,
    Photo,
    Text,
    Unsupported,
)
from bot.flows.replies import Reply
from bot.handlers.telegram_render import (
    CHANNEL,
    ForwardElsewhere,
    Renderer,
    Target,
    toast_text,
)
from bot.i18n import Translator, supported_locale
from core.people.customers import customer_for_identity
from core.platform.uow import Database

log = logging.getLogger("linli.telegram")

# Updates in flight at once. Database work is only part of an update (sending the replies
# to Telegram is the rest), so a few overlap usefully; more only queue for connections
# (the pool holds 20 on PostgreSQL, 15 on SQLite, where writers take turns anyway).
CONCURRENCY = 16
SQLITE_CONCURRENCY = 8
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+(.*))?$", re.DOTALL)
# Told of each update the flows handled: (channel, seconds, ok). ``linli serve`` counts
# them for /metrics (web/metrics.py) without this module knowing Prometheus.
UpdateObserver = Callable[[str, float, bool], None]
# What a message carries when it is none of the kinds flows understand, checked in order
# (an animation also has a document, so it comes first).
_UNSUPPORTED_KINDS = (
    "sticker",
    "voice",
    "video_note",
    "animation",
    "video",
    "audio",
    "document",
    "poll",
    "dice",
    "game",
    "story",
)


def _(message: str) -> str:
    """Mark a message for extraction; translated when sent."""
    return message


APOLOGY = _("Sorry, something went wrong on our side. Please try again in a moment.")
COMMANDS = (
    ("start", _("Start shopping")),
    ("menu", _("Main menu")),
    ("help", _("How Linli works")),
)
# Telegram app language → catalog: the default (no language_code) list is Chinese.
COMMAND_LANGUAGES = ((None, "zh_CN"), ("zh", "zh_CN"), ("en", "en"))


def parse_command(text: str) -> Command | None:
    """``/start PAYLOAD`` or ``/cmd@botname args`` → Command; anything else → None."""
    found = _COMMAND.match(text.strip())
    if found is None:
        return None
    name, _bot, args = found.groups()
    return Command(name.lower(), (args or "").strip())


def event_of(message: Message) -> Event:
    """What a message means to a flow."""
    if message.text is not None:
        return parse_command(message.text) or Text(message.text)
    if message.contact is not None:
        sender = message.from_user.id if message.from_user else None
        return Contact(message.contact.phone_number, own=message.contact.user_id == sender)
    if message.location is not None:
        return Location(str(message.location.latitude), str(message.location.longitude))
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size))
        return Photo(largest.file_id, message.caption or "")
    kind = next((k for k in _UNSUPPORTED_KINDS if getattr(message, k, None)), "other")
    return Unsupported(kind)


def to_incoming(update: Update) -> Incoming | None:
    """The flows' view of an update; None for what the storefront does not serve."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "display_name": user.full_name,
        "language_code": user.language_code,
        "update_id": str(update.update_id),
    }
    query = update.callback_query
    if query is not None:
        message_ref = str(query.message.message_id) if query.message is not None else None
        return Incoming(event=Button(query.data or ""), message_ref=message_ref, **common)
    message = update.message
    if message is None:  # edits, reactions, membership changes: nothing to answer
        return None
    replied = message.reply_to_message
    return Incoming(
        event=event_of(message),
        reply_to_ref=str(replied.message_id) if replied is not None else None,
        **common,
    )


async def answer_quietly(
    bot: Bot, query: CallbackQuery, text: str | None, alert: bool = False
) -> None:
    """Stop the button's spinner; a query too old to answer is not worth an error."""
    try:
        await bot.answer_callback_query(query.id, text=text, show_alert=alert)
    except (BadRequest, Forbidden) as refused:
        log.info("callback query %s not answered: %s", query.id, refused)


class TelegramAdapter:
    """The update handler and the error handler of one Application."""

    def __init__(
        self,
        db: Database,
        observer: UpdateObserver | None = None,
        elsewhere: dict[str, ForwardElsewhere] | None = None,
    ) -> None:
        self.db = db
        self.observer = observer
        # Forwards to other channels: filled by who serves them (the web chat's forward).
        self.elsewhere: dict[str, ForwardElsewhere] = elsewhere if elsewhere is not None else {}

    async def run_flows(self, incoming: Incoming) -> list[Reply]:
        """The router (on SQLite the engine's transactions take turns: platform/sqlite_inline)."""
        return await router.handle(self.db, incoming)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Event in, flow run, replies out; the button press is answered exactly once."""
        query = update.callback_query
        answered = handled = False
        started = time.perf_counter()
        incoming = None
        try:
            incoming = to_incoming(update)
            if incoming is None:
                return
            replies = await self.run_flows(incoming)
            if query is not None:
                text, alert = toast_text(replies)
                answered = True
                await answer_quietly(context.bot, query, text, alert)
            target = Target(
                chat_id=int(incoming.chat_id),
                pressed_message_id=int(incoming.message_ref) if incoming.message_ref else None,
                is_press=query is not None,
            )
            await Renderer(context.bot, self.db, self.elsewhere).render(target, replies)
            handled = True
        finally:
            if query is not None and not answered:
                await _answer_in_any_case(context.bot, query)
            if incoming is not None and self.observer is not None:
                self.observer(CHANNEL, time.perf_counter() - started, handled)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with context; tell the person a short apology in their language."""
        error = context.error
        if not isinstance(update, Update):
            if isinstance(error, NetworkError):
                log.warning("Telegram unreachable: %s", error)
            else:
                log.error("error outside an update: %r", error, exc_info=error)
            return
        chat = update.effective_chat
        log.error(
            "update %s in chat %s failed: %r",
            update.update_id,
            chat.id if chat else None,
            error,
            exc_info=error,
        )
        if chat is None or chat.type != ChatType.PRIVATE or isinstance(error, Forbidden):
            return
        t = await self.translator_for(update)
        try:
            await context.bot.send_message(chat.id, t.gettext(APOLOGY))
        except TelegramError as again:
            log.info("apology to chat %s not sent: %s", chat.id, again)

    async def translator_for(self, update: Update) -> Translator:
        """The customer's language when the database can tell, else their app's, else zh_CN."""
        user = update.effective_user
        if user is None:
            return router.t_for(None)
        try:
            async with self.db.uow() as uow:  # read only: never committed
                customer = await customer_for_identity(
                    uow, CHANNEL, str(user.id), locale=supported_locale(user.language_code)
                )
                return router.t_for(customer.locale)
        except Exception:  # the database may be what failed
            log.info("customer language unknown for user %s", user.id, exc_info=True)
            return router.t_for(user.language_code)


async def _answer_in_any_case(bot: Bot, query: CallbackQuery) -> None:
    """The last-resort answer when a press produced no replies or failed midway."""
    try:
        await answer_quietly(bot, query, None)
    except TelegramError as failed:  # e.g. network: the spinner times out by itself
        log.info("callback query %s not answered: %s", query.id, failed)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Chats are served concurrently; one chat's updates in the order they came."""

    def __init__(self, max_concurrent_updates: int = CONCURRENCY) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the same chat's earlier update, then run this one."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def install(
    application: Application,
    db: Database,
    observer: UpdateObserver | None = None,
    elsewhere: dict[str, ForwardElsewhere] | None = None,
) -> TelegramAdapter:
    """Add the one update handler and the one error handler to ``application``."""
    adapter = TelegramAdapter(db, observer, elsewhere)
    application.add_handler(TypeHandler(Update, adapter.on_update))
    application.add_error_handler(adapter.on_error)
    return adapter


async def register_commands(application: Application) -> None:
    """The command menu of private chats: Chinese by default, English for English apps."""
    for language_code, locale in COMMAND_LANGUAGES:
        t = router.t_for(locale)
        await application.bot.set_my_commands(
            [BotCommand(name, t.gettext(description)) for name, description in COMMANDS],
            scope=BotCommandScopeAllPrivateChats(),
            language_code=language_code,
        )


def build_application(
    db: Database,
    token: str,
    *,
    api_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    concurrent_updates: int | None = None,
    observer: UpdateObserver | None = None,
    elsewhere: dict[str, ForwardElsewhere] | None = None,
) -> Application:
    """The Linli Application: our handlers, commands registered at start, no network of its own.

    ``api_url``: a self-hosted Bot API server's base URL (``LINLI_TELEGRAM_API_URL``).
    ``request``/``get_updates_request``: replace the HTTP layer (tests record calls).
    ``observer``: told of every update handled (``linli serve``'s metrics).
    ``elsewhere``: deliverers of messages to other channels (``{"web": WebChat.forward}``).
    """
    builder = Application.builder().token(token)
    if api_url:
        builder = builder.base_url(f"{api_url}/bot").base_file_url(f"{api_url}/file/bot")
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    if concurrent_updates is None:
        concurrent_updates = SQLITE_CONCURRENCY if db.is_sqlite else CONCURRENCY
    builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrent_updates))
    application = builder.post_init(register_commands).build()
    install(application, db, observer, elsewhere)
    return application


def production_rate_limiter() -> AIORateLimiter:
    """Telegram's flood limits, retrying a ``RetryAfter`` twice before giving up."""
    return AIORateLimiter(max_retries=2)
