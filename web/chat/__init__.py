"""The web chat: a WeChat-style page on the same flows as Telegram (``mount`` adds its routes).

Routes and the page only; the conversation is ``bot.handlers.webchat`` over the flows, and
it must not import app/.
"""

from web.chat.routes import mount

__all__ = ["mount"]
