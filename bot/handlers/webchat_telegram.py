"""The bridge between the web chat and Telegram when both run in one process.

Web → Telegram: ``telegram_forwarder`` sends a web customer's message to a partner on
Telegram with the Telegram renderer (which records the relay link under Telegram's
message id). A refusal that retrying cannot mend (the partner blocked the bot, a chat
that does not exist) is logged and settled; a network failure raises, so the message
keeps waiting in the transcript and ``WebChat.hand_over_to_telegram`` sends it later.

Telegram → web: ``build_application(..., elsewhere={"web": webchat.forward})`` lets the
Telegram renderer hand a partner's answer to a web customer to the web chat.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.flows.replies import Forward
from bot.handlers.telegram_render import Renderer
from bot.handlers.webchat import TelegramForward
from core.platform.uow import Database

log = logging.getLogger("linli.webchat")


def telegram_forwarder(bot: Bot, db: Database) -> TelegramForward:
    """What the web chat calls to reach someone on Telegram (``ctx.extras["telegram_forward"]``)."""
    renderer = Renderer(bot, db)

    async def forward(reply: Forward) -> None:
        try:
            await renderer.forward(reply)
        except (Forbidden, BadRequest) as refused:
            log.info("Telegram chat %s refused a web message: %s", reply.chat_id, refused)

    return forward
