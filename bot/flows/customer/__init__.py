"""The customer's conversations: onboarding, browsing, search, the product card, cart,
checkout, orders, crates, feedback, settings and the links between channels.

Steps ask core services for what they need; they never build SQL or touch the session.
"""
