"""Pure pricing: quote a cart (lines, deals, promotions, gifts, shipping, saving).

Plain functions over value objects: it imports only ``core.money`` and ``core.errors``,
never the database, the clock, bot/, web/ or app/ (tests/test_layout.py checks).
"""
