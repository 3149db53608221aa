"""Catalog: search, deals zone, gift rules, CSV import."""
