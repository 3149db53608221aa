"""The web chat: a WeChat-style page on the same flows as Telegram (``mount`` adds its routes)."""

from web.chat.routes import mount

__all__ = ["mount"]
