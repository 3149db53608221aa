"""The outbox's Telegram transport: python-telegram-bot's ``Bot``, errors turned into results.

Calls go through ``do_api_request`` (as the renderer does) so the answered Message is not
rebuilt into PTB objects the sender never reads. Texts are clipped to Telegram's limits.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from telegram import Bot
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from core.messaging.outbox.transport import (
    BAD_REQUEST,
    FORBIDDEN,
    NETWORK,
    OK,
    RETRY_AFTER,
    ButtonRows,
    SendResult,
)

# PTB 22 warns each time it builds a RetryAfter that retry_after will become a timedelta;
# retry_seconds below reads either.
warnings.filterwarnings("ignore", message=".*`retry_after` will be", category=PTBDeprecationWarning)


TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (as the renderer does; not
    imported from it, so a sender process does not load the whole bot)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def retry_seconds(error: RetryAfter) -> float:
    """The pause Telegram asked for, whether PTB reports it as int or timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def markup(buttons: ButtonRows) -> dict[str, Any] | None:
    """Stored rows of (label, data) as the Bot API's inline keyboard."""
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": str(label), "callback_data": str(data)} for label, data in row]
            for row in buttons
        ]
    }


class TelegramTransport:
    """Sends outbox rows with a ``telegram.Bot`` (initialise it before use)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def for_token(
        cls, token: str, *, base_url: str | None = None, connections: int = 16
    ) -> TelegramTransport:
        """A Bot of its own, its pool as wide as the sender's concurrency (16 by default).

        httpcore checks every pooled connection on each request: with 64 pooled for 16 in
        flight, that check cost more CPU than the request itself (cProfile, bench).
        """
        request = HTTPXRequest(connection_pool_size=connections, read_timeout=10.0)
        options: dict[str, Any] = {"request": request}
        if base_url:
            options["base_url"] = base_url
        return cls(Bot(token, **options))

    async def send(
        self, chat_id: str, text: str, buttons: ButtonRows, photo_ref: str | None
    ) -> SendResult:
        """sendMessage, or sendPhoto with the text as caption."""
        params: dict[str, Any] = {"chat_id": int(chat_id)}
        keyboard = markup(buttons)
        if keyboard is not None:
            params["reply_markup"] = keyboard
        if photo_ref:
            params |= {"photo": photo_ref, "caption": clip(text, CAPTION_LIMIT)}
            return await self._api("sendPhoto", params)
        params["text"] = clip(text, TEXT_LIMIT)
        return await self._api("sendMessage", params)

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """editMessageText of an earlier message (the broadcast's status message)."""
        params = {"chat_id": int(chat_id), "message_id": message_id, "text": clip(text, TEXT_LIMIT)}
        return await self._api("editMessageText", params)

    async def _api(self, method: str, params: dict[str, Any]) -> SendResult:
        """One Bot API call; PTB's exceptions become results the sender records."""
        try:
            result = await self.bot.do_api_request(method, api_kwargs=params)
        except RetryAfter as error:
            return SendResult(RETRY_AFTER, retry_after=retry_seconds(error), error=str(error))
        except Forbidden as error:
            return SendResult(FORBIDDEN, error=error.message)
        except BadRequest as error:  # a subclass of NetworkError: caught first
            return SendResult(BAD_REQUEST, error=error.message)
        except (NetworkError, TelegramError) as error:  # TimedOut included
            return SendResult(NETWORK, error=f"{type(error).__name__}: {error}")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(OK, message_id=int(message_id) if message_id is not None else None)
