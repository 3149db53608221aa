"""Messages between people: HQ and partner notices, the partner ↔ customer relay, the web
chat's transcript and photos, and the durable outbox that drains broadcasts.

Business rules only; it must not import bot/, web/ or app/.
"""
