"""Stub."""

from aiohttp import web


def routes(app: web.Application) -> None:
    """Nothing yet."""
