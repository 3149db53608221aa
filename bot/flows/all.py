"""Import every flow module so their steps are registered with the router."""

from bot.flows import menu  # noqa: F401
