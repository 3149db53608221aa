"""Texts channels send to people, built from gettext catalogs and Babel formats."""

from bot.messages.errors import explain

__all__ = ["explain"]
