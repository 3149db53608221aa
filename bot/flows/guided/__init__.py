"""The guided first order: big buttons only, one question at a time, for a household a
partner signs up at the door (``start``, ``shop``, ``keys``).

Steps ask core services for what they need; they never build SQL or touch the session.
"""
