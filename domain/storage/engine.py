"""Builds engines for the configured database URL: async drivers for the service, sync ones for migrations and
for SQLite's writer thread (`sqlite_writer.SqliteWriter`), which runs every write transaction of the service."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.model.json_data import as_json_data

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}
SQLITE_BUSY_TIMEOUT_MS = 30_000


class UnsupportedDatabase(ValueError):
    pass


def _with_driver(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise UnsupportedDatabase(f"CATALOG_DATABASE_URL must be a sqlite:// or postgresql:// URL, not {backend}://")
    return parsed.set(drivername=drivers[backend])


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def json_text(value: Any) -> str:
    """The JSON columns' serializer. orjson writes dataclasses, enums, times and tuples itself, in the forms
    `as_json_data` gives them (tests/unit/domain/test_json_data.py), and hands it the rest (decimals): an outbox
    row's payload is its event as it is, written without building its JSON data first (finding 23)."""
    return orjson.dumps(value, default=as_json_data).decode()


def _tune_sqlite(engine: Engine, *, begin: str | None) -> None:
    """WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock up front, so two writers
    never deadlock upgrading a read lock. Temporary storage in memory: every write runs under savepoints (the
    writer's group commit, a bulk chunk's write), whose journal of changed pages SQLite otherwise spills to a
    temporary file past 64 KiB, a third of a bulk chunk's statement time (docs/performance.md, finding 38).
    `begin=None` leaves BEGIN to the caller (the writer thread), so no connection event makes every statement of
    that engine look for listeners."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)


def create_async(
    url: str, *, pool_size: int = 20, sqlite_immediate: bool = True, pre_ping: bool = False
) -> AsyncEngine:
    """The engine the service runs on. `sqlite_immediate=False` suits engines that mostly read (the worker).

    No pre-ping by default: it costs a round trip per checkout (a large share of a createProduct's CPU on PostgreSQL).
    A connection found dead instead fails its statement, SQLAlchemy invalidates the pool, and the caller retries:
    the unit of work turns a disconnect before COMMIT into a TransientConflict, the sync worker retries every
    database error."""
    async_url = _with_driver(url, ASYNC_DRIVERS)
    options: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}
    if not is_sqlite(url):
        options |= {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": pre_ping}
    engine = create_async_engine(async_url, **options)
    if is_sqlite(url):
        _tune_sqlite(engine.sync_engine, begin="BEGIN IMMEDIATE" if sqlite_immediate else "BEGIN")
    return engine


def _sync_engine(url: str | URL, **pool: int) -> Engine:
    return create_engine(
        _with_driver(url, SYNC_DRIVERS), json_serializer=json_text, json_deserializer=orjson.loads, **pool
    )


def create_sync(url: str) -> Engine:
    engine = _sync_engine(url)
    if is_sqlite(url):
        _tune_sqlite(engine, begin="BEGIN")
    return engine


def create_sqlite_writer_engine(url: str | URL) -> Engine:
    """The engine of SQLite's writer thread: its one synchronous connection, BEGIN left to the writer."""
    engine = _sync_engine(url, pool_size=1, max_overflow=0)
    _tune_sqlite(engine, begin=None)
    return engine


def is_sqlite_file(url: str | URL) -> bool:
    """A SQLite database other processes and connections can open too (not `:memory:`)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
