"""Catalog: products and aisles, search, the deals zone, gift rules, the CSV import.

Business rules over ``core.models`` and ``core.platform``; it must not import the other
business packages' services, bot/, web/ or app/.
"""
