"""Linli on the web: one aiohttp application (``linli serve``) for the web chat, the HQ
console, the Telegram webhook, health and metrics.

It builds on bot/ and core/ and must not import app/ (the process that serves it).
"""
