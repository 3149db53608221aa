"""Linli's domain core: the business packages, their models and the platform under them.

Core knows nothing of any chat channel, of aiohttp or of Babel: it must not import bot/,
web/ or app/ (tests/test_layout.py checks). Only ``money`` and ``errors`` live at its top.
"""
