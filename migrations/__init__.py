"""Alembic migrations (async ``env.py``), one revision per schema change.

Revisions use only SQLAlchemy and Alembic; ``env.py`` reads ``core.models`` and
``core.platform`` and nothing else of Linli.
"""
