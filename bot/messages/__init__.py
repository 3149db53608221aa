"""Texts channels send to people, built from gettext catalogs and Babel formats.

Wording only (no database work of its own); it must not import bot.handlers, web/ or app/.
"""

from bot.messages.errors import explain

__all__ = ["explain"]
