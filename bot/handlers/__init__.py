"""Thin channel adapters: Telegram (python-telegram-bot), the web chat, and an in-memory
channel for tests. Each turns what arrived into an ``Incoming`` event, runs the flows and
renders their replies; domain errors become localised sentences here.

Adapters hold no business rule; they must not import web/ or app/.
"""
