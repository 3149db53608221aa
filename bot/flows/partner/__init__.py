"""The partner's cockpit: home, tonight's pick list and run sheet with each door, relay to
customers, notices, the customer list and report, win-back, invites, earnings and crates.

Steps ask core services for what they need; they never build SQL or touch the session.
"""
