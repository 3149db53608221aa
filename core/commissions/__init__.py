"""Partner pay: the append-only commission ledger, its clawbacks, and monthly statements.

It uses only ``core.models`` and ``core.platform``; the order lifecycle calls it, never the
other way, and it must not import bot/, web/ or app/.
"""
