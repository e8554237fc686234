"""Builds engines for the configured database URL: async drivers for the service, sync ones for migrations."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}
SQLITE_BUSY_TIMEOUT_MS = 30_000


class UnsupportedDatabase(ValueError):
    pass


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise UnsupportedDatabase(f"CATALOG_DATABASE_URL must be a sqlite:// or postgresql:// URL, not {backend}://")
    return parsed.set(drivername=drivers[backend])


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _tune_sqlite(engine: Engine, *, immediate: bool) -> None:
    """WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock up front, so two writers
    never deadlock upgrading a read lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_async(url: str, *, pool_size: int = 20, sqlite_immediate: bool = True) -> AsyncEngine:
    """The engine the service runs on. `sqlite_immediate=False` suits engines that mostly read (the worker)."""
    async_url = _with_driver(url, ASYNC_DRIVERS)
    options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if not is_sqlite(url):
        options |= {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
    engine = create_async_engine(async_url, **options)
    if is_sqlite(url):
        _tune_sqlite(engine.sync_engine, immediate=sqlite_immediate)
    return engine


def create_sync(url: str) -> Engine:
    engine = create_engine(_with_driver(url, SYNC_DRIVERS), json_serializer=_json_dumps, json_deserializer=orjson.loads)
    if is_sqlite(url):
        _tune_sqlite(engine, immediate=False)
    return engine
