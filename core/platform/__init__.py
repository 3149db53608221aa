"""Plumbing with no business rule: settings, the clock, the database and unit of work,
migrations, the inline SQLite driver, secrets, the scheduler/sender role, scheduling.

It imports nothing of core's business packages (only ``core.models``, ``core.money``
and ``core.errors``), nor bot/, web/ or app/: tests/test_layout.py fails the build if it does.
"""
