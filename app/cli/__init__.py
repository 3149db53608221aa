"""The ``linli`` command: one click group (``main.py``) and one module per command.

Each command opens the database, calls core services (and, for ``serve`` and ``bot``, the
processes in app/), and prints the result; it holds no business rule. Nothing imports it
but the console script entry point and app/.
"""
