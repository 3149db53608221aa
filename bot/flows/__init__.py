"""The conversations, written once for every channel, and their engine.

The engine (``router``, ``state``, ``context``, ``events``, ``replies``, ``payloads``,
``callbacks``) is the only part that touches the database session; the steps in
``customer/``, ``guided/`` and ``partner/`` ask core services for what they need. Flows
must not import the channel adapters (``bot.handlers``), web/ or app/.
"""
