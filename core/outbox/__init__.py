"""The durable outbox: broadcasts become one row per recipient, a sender drains them.

``enqueue`` writes a broadcast and its rows in the caller's transaction; ``sender``
claims due rows, sends them within Telegram's limits and records each result; see the
sender's docstring for the delivery guarantee and its one remaining window.
"""
