"""The few writes every update makes, straight on SQLite's connection when Linli runs on it.

Why: every update records its id in the ledger and most save the chat state. Through
the session each of these cost ~50 µs of SQLAlchemy's execution machinery against ~3 µs
in ``sqlite3`` itself (bench/telegram_bench.py). Here the statement is compiled once by
SQLAlchemy's own SQLite dialect and each parameter goes through its column's own bind
processor (UTC timestamps, JSON), so the row written is the one ``session.execute``
would write, inside the same transaction (the session's connection, already begun).

Anywhere else (PostgreSQL, an in-memory SQLite without ``core/platform/sqlite_inline``) the
session runs the statement as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.dml import UpdateBase

from core.platform.sqlite_inline import inline_driver
from core.platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as SQLite text, its parameters' order and their bind processors."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


async def write(uow: UnitOfWork, statement: UpdateBase, params: Mapping[str, Any]) -> int:
    """Run an INSERT/UPDATE/DELETE in ``uow``'s transaction; the rows it changed."""
    if uow.db.is_sqlite:
        connection = await uow.session.connection()
        driver = inline_driver(connection.sync_connection)  # type: ignore[arg-type]
        if driver is not None:
            compiled = _compiled(uow, statement, params)
            values = [
                params[name] if process is None else process(params[name])
                for name, process in zip(compiled.names, compiled.processors, strict=True)
            ]
            return driver.run(compiled.sql, values)
    result = await uow.session.execute(statement, dict(params))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _compiled(uow: UnitOfWork, statement: UpdateBase, params: Mapping[str, Any]) -> _Compiled:
    """Compile once per database, statement and set of parameter names (an INSERT's columns).

    Kept in ``Database.caches`` with the statement itself, so its id cannot be reused.
    """
    key = f"sqlite_direct:{id(statement)}:{','.join(sorted(params))}"
    found = uow.db.caches.get(key)
    if found is not None:
        return found[1]
    compiled = statement.compile(
        dialect=uow.db.engine.sync_engine.dialect, column_keys=list(params)
    )
    names = tuple(compiled.positiontup or ())
    processors = compiled._bind_processors  # what the dialect itself applies to each value
    entry = _Compiled(compiled.string, names, tuple(processors.get(name) for name in names))
    uow.db.caches[key] = (statement, entry)
    return entry
