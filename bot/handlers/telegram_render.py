"""Channel-neutral replies → Bot API calls (python-telegram-bot 22).

Messages are plain text (no parse mode: customers' words are echoed back and must never
be read as markup). Telegram's limits are respected here so flows need not know them:
texts over 4,096 characters are split at line breaks (buttons go under the last part),
toasts are cut to 200 characters and photo captions to 1,024.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import CallbackQueryLimit, MessageLimit
from telegram.error import BadRequest, Forbidden
from telegram.warnings import PTBUserWarning

from bot.flows.replies import Document, Edit, Forward, InlineKeyboard, Reply, Say, Toast
from bot.handlers.webchat_render import say_item
from core.messaging import webchat_images, webchat_log
from core.messaging.relay import remember
from core.platform.uow import Database

WEB = "web"  # the web chat's channel (bot.handlers.webchat.CHANNEL)
log = logging.getLogger("linli.telegram")
# Renderer._api calls known endpoints through do_api_request on purpose (to skip parsing
# answers it never reads); PTB suggests the typed method each time, which we decline.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

CHANNEL = "telegram"
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
TOAST_LIMIT = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH  # 200

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Target:
    """Where the replies of one update go: the chat, and the pressed message if any."""

    chat_id: int
    pressed_message_id: int | None = None
    is_press: bool = False


def is_not_modified(error: BadRequest) -> bool:
    """Telegram refuses an edit that changes nothing; the screen is already right."""
    return "not modified" in error.message.lower()


def inline_markup(buttons: InlineKeyboard) -> InlineKeyboardMarkup | None:
    """Inline buttons, or nothing when there are none."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


def say_markup(reply: Say) -> Markup | None:
    """One reply markup per message: inline buttons, else big keys, else hide the keys.

    Telegram allows one markup per message; a Say asking for both inline buttons and a
    reply keyboard gets the inline buttons (flows do not combine them).
    """
    if reply.buttons:
        if reply.keyboard is not None or reply.ask_contact:
            log.warning("a Say had both inline buttons and a reply keyboard; keys dropped")
        return inline_markup(reply.buttons)
    if reply.keyboard is not None or reply.ask_contact:
        rows: list[list[KeyboardButton]] = []
        if reply.ask_contact:
            rows.append([KeyboardButton(reply.ask_contact, request_contact=True)])
        rows.extend([KeyboardButton(label) for label in row] for row in reply.keyboard or ())
        return ReplyKeyboardMarkup(rows, resize_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def json_markup(reply: Say) -> dict[str, Any] | None:
    """The markup as the Bot API's JSON: inline buttons built directly, as dicts.

    Building PTB's frozen objects and serialising them back cost more CPU than the rest
    of a menu step (bench/telegram_bench.py), and text messages need nothing else.
    """
    if reply.buttons:
        if reply.keyboard is not None or reply.ask_contact:
            log.warning("a Say had both inline buttons and a reply keyboard; keys dropped")
        return _inline_json(reply.buttons)
    markup = say_markup(reply)
    return markup.to_dict() if markup is not None else None


def _inline_json(buttons: InlineKeyboard) -> dict[str, Any]:
    """``{"inline_keyboard": [[{"text", "callback_data"}, …], …]}``."""
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in buttons
        ]
    }


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text into message-sized parts, at line breaks when possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        parts.append(rest)
    return parts


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def toast_text(replies: list[Reply]) -> tuple[str | None, bool]:
    """The one answer a button press gets: every toast's text joined, alert if any asked."""
    toasts = [reply for reply in replies if isinstance(reply, Toast)]
    if not toasts:
        return None, False
    texts = list(dict.fromkeys(toast.text for toast in toasts if toast.text))
    return clip("\n".join(texts), TOAST_LIMIT) or None, any(toast.alert for toast in toasts)


ForwardElsewhere = Callable[[Forward], Awaitable[None]]


class Renderer:
    """Sends one update's replies with the Bot API and records relay links.

    ``elsewhere``: who delivers a ``Forward`` to another channel (``{"web": …}`` when the
    web chat runs in this process: a partner's answer to a web customer).
    """

    def __init__(
        self, bot: Bot, db: Database, elsewhere: Mapping[str, ForwardElsewhere] | None = None
    ) -> None:
        self.bot = bot
        self.db = db
        self.elsewhere = elsewhere or {}

    async def _to_web_transcript(self, reply: Forward) -> None:
        """No web chat in this process (``linli bot``): the message joins the web chat's
        transcript, where its page finds it when it next asks (a reconnect, the poll).
        A Telegram photo cannot be shown there; it is mentioned."""
        text = f"{reply.text}\n📷" if reply.photo_ref and reply.text else reply.text
        if reply.photo_ref and not reply.text:
            text = "📷"
        await webchat_log.append(
            self.db, reply.channel, reply.chat_id, [say_item(Say(text, reply.buttons))]
        )

    async def render(self, target: Target, replies: list[Reply]) -> None:
        """Send every reply in order; a press's toasts are its answer (sent by the caller)."""
        for reply in replies:
            try:
                if isinstance(reply, Say):
                    await self.say(target.chat_id, reply)
                elif isinstance(reply, Toast) and not target.is_press:
                    await self.say(target.chat_id, Say(reply.text))  # nothing to pop up on
                elif isinstance(reply, Edit):
                    await self.edit(target, reply)
                elif isinstance(reply, Forward):
                    await self.forward(reply)
                elif isinstance(reply, Document):
                    await self.document(target.chat_id, reply)
            except Forbidden as blocked:
                if isinstance(reply, Forward):
                    log.info("chat %s cannot be reached: %s", reply.chat_id, blocked)
                    continue
                log.info("chat %s blocked the bot: %s", target.chat_id, blocked)
                return  # nothing more can reach this chat
            except BadRequest as refused:
                if not isinstance(reply, Forward):
                    raise
                # e.g. a partner who never opened the bot: the customer's own replies still go
                log.warning("message to chat %s refused: %s", reply.chat_id, refused)

    async def say(self, chat_id: int, reply: Say) -> int | None:
        """A new message (split when too long; the markup goes on the last part); its id."""
        if reply.image is not None:
            caption = reply.text if len(reply.text) <= CAPTION_LIMIT else None
            photo = await self.bot.send_photo(
                chat_id, reply.image, caption=caption, reply_markup=say_markup(reply)
            )
            if caption is not None or not reply.text:
                return photo.message_id
            reply = Say(reply.text)
        parts = chunks(reply.text)
        if not parts:
            log.warning("an empty Say for chat %s was not sent", chat_id)
            return None
        markup = json_markup(reply)
        sent_last: int | None = None
        for n, part in enumerate(parts, start=1):
            sent_last = await self._api(
                "sendMessage",
                {"chat_id": chat_id, "text": part},
                markup if n == len(parts) else None,
            )
        return sent_last

    async def document(self, chat_id: int, reply: Document) -> None:
        """A file, sent with its name so the phone offers to open or print it."""
        caption = clip(reply.caption, CAPTION_LIMIT) if reply.caption else None
        await self.bot.send_document(
            chat_id, reply.content, filename=reply.filename, caption=caption
        )

    async def edit(self, target: Target, reply: Edit) -> None:
        """Rewrite the pressed message; a message that cannot be edited gets a fresh one."""
        if target.pressed_message_id is not None:
            try:
                await self._api(
                    "editMessageText",
                    {
                        "chat_id": target.chat_id,
                        "message_id": target.pressed_message_id,
                        "text": clip(reply.text, TEXT_LIMIT),
                    },
                    _inline_json(reply.buttons) if reply.buttons else None,
                )
                return
            except BadRequest as refused:
                if is_not_modified(refused):
                    log.info("chat %s: %s", target.chat_id, refused)
                    return
                log.info("chat %s: edit refused (%s); sending anew", target.chat_id, refused)
        await self.say(target.chat_id, Say(reply.text, reply.buttons))

    async def _api(
        self, method: str, params: dict[str, Any], markup: dict[str, Any] | None
    ) -> int | None:
        """Call ``method`` without parsing the answer into PTB objects; the message id.

        PTB's ``do_api_request`` goes through the same request, rate limiter and error
        mapping as ``send_message``; only the Message we never read is not rebuilt.
        """
        if markup is not None:
            params = {**params, "reply_markup": markup}
        result = await self.bot.do_api_request(method, api_kwargs=params)
        return int(result["message_id"]) if isinstance(result, dict) else None

    async def forward(self, reply: Forward) -> None:
        """A message to another person, remembered when their answer must be relayed back.

        Its buttons (signed for the receiving chat) go under it as its reply_markup.
        """
        if reply.channel != CHANNEL:
            deliver = self.elsewhere.get(reply.channel)
            if deliver is None and reply.channel == WEB:
                await self._to_web_transcript(reply)
                return
            if deliver is None:
                log.warning("a %s message cannot be delivered by Telegram; dropped", reply.channel)
                return
            await deliver(reply)
            return
        chat_id = int(reply.chat_id)
        picture = await self._picture(reply.photo_ref)
        if picture is not None:
            caption = clip(reply.text, CAPTION_LIMIT) if reply.text else None
            photo = await self.bot.send_photo(
                chat_id, picture, caption=caption, reply_markup=inline_markup(reply.buttons)
            )
            sent: int | None = photo.message_id
        else:
            sent = await self.say(chat_id, Say(reply.text, reply.buttons))
        if sent is None or reply.relay_customer_id is None:
            return
        async with self.db.uow() as uow:
            await remember(
                uow,
                channel=CHANNEL,
                partner_chat_id=reply.chat_id,
                message_ref=str(sent),
                customer_id=reply.relay_customer_id,
            )
            await uow.commit()

    async def _picture(self, photo_ref: str | None) -> str | InputFile | None:
        """What sendPhoto sends: a Telegram file id as is, a web chat photo uploaded.

        A web photo that is gone (it never should be) leaves the text to go alone.
        """
        image_id = webchat_images.id_of(photo_ref)
        if image_id is None:
            return photo_ref or None
        content = await webchat_images.content_of(self.db, image_id)
        if content is None:
            log.warning("web photo %s is gone; only the text is sent", image_id)
            return None
        return InputFile(content, filename="photo.jpg")
