"""Builds engines for the configured database URL: async drivers for the service, sync ones for migrations, and
on SQLite the writer thread that runs every write transaction of the service."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

T = TypeVar("T")

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


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _tune_sqlite(engine: Engine, *, immediate: bool, begin_on_driver: bool = False) -> None:
    """WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock up front, so two writers
    never deadlock upgrading a read lock. `begin_on_driver` (synchronous pysqlite only) sends the BEGIN straight
    to the driver, skipping SQLAlchemy's statement execution."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if begin_on_driver:
            connection.connection.driver_connection.execute(begin)
        else:
            connection.exec_driver_sql(begin)


def create_async(
    url: str, *, pool_size: int = 20, sqlite_immediate: bool = True, pre_ping: bool = False
) -> AsyncEngine:
    """The engine the service runs on. `sqlite_immediate=False` suits engines that mostly read (the worker).

    No pre-ping by default: it costs a round trip per checkout (a fifth of a createProduct's CPU on PostgreSQL).
    A connection found dead instead fails its statement, SQLAlchemy invalidates the pool, and the caller retries:
    the unit of work turns a disconnect before COMMIT into a TransientConflict, the sync worker retries every
    database error."""
    async_url = _with_driver(url, ASYNC_DRIVERS)
    options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if not is_sqlite(url):
        options |= {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": pre_ping}
    engine = create_async_engine(async_url, **options)
    if is_sqlite(url):
        _tune_sqlite(engine.sync_engine, immediate=sqlite_immediate)
    return engine


def create_sync(url: str) -> Engine:
    engine = create_engine(_with_driver(url, SYNC_DRIVERS), json_serializer=_json_dumps, json_deserializer=orjson.loads)
    if is_sqlite(url):
        _tune_sqlite(engine, immediate=False)
    return engine


def is_sqlite_file(url: str | URL) -> bool:
    """A SQLite database other processes and connections can open too (not `:memory:`)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


class BlockingConnection:
    """AsyncConnection's slice that the unit of work and repositories use, over the writer thread's synchronous
    connection. Only for the writer thread, where blocking is the point: its awaits never suspend. `close` ends
    the transaction; the connection stays open for the next one."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def begin(self) -> None:
        self._connection.begin()

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def commit(self) -> None:
        self._connection.commit()

    async def close(self) -> None:
        if self._connection.in_transaction():
            self._connection.rollback()


class SqliteWriter:
    """The one thread that runs this process's SQLite write transactions, start to finish, on one synchronous
    pysqlite connection, under an event loop of its own.

    A command's attempt is shipped here whole (`run`): one thread hop per command, where aiosqlite makes one per
    SQL call (each a queue put and a wake-up of the request loop, 16 per createProduct). Attempts run one at a
    time, in arrival order (SQLite has one writer anyway), and whatever blocks (SQLite's lock held by another
    process, a WAL checkpoint's fsync) blocks this thread, never the request loop. The connection is kept
    between transactions (a pool checkout and its reset cost more than the INSERTs); it is replaced only when
    SQLAlchemy invalidated it.
    """

    def __init__(self, url: str | URL) -> None:
        self.engine = create_engine(
            _with_driver(url, SYNC_DRIVERS),
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            pool_size=1,
            max_overflow=0,
        )
        _tune_sqlite(self.engine, immediate=True, begin_on_driver=True)
        self._connection: Connection | None = None
        self._loop = asyncio.new_event_loop()
        self._lock = asyncio.Lock()  # only ever used on this writer's loop
        self._thread = threading.Thread(target=self._loop.run_forever, name="sqlite-writer", daemon=True)
        self._thread.start()

    async def connect(self) -> BlockingConnection:
        """The writer's connection, for one unit of work on the writer thread."""
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            if self._connection is not None:
                self._connection.close()
            self._connection = self.engine.connect()
        return BlockingConnection(self._connection)

    def is_current_thread(self) -> bool:
        return threading.get_ident() == self._thread.ident

    async def run(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Runs `attempt()` on the writer thread; the caller's loop waits for it without blocking. An attempt
        whose caller was cancelled before its turn does not start; one that started runs to its end."""
        caller = asyncio.get_running_loop()
        done: asyncio.Future[T] = caller.create_future()
        self._loop.call_soon_threadsafe(self._start, attempt, caller, done)
        return await done

    def _start(self, attempt: Callable[[], Coroutine[Any, Any, T]], caller: Any, done: asyncio.Future[T]) -> None:
        if done.cancelled():  # a flag read across threads; the worst case is running an abandoned attempt
            return
        task = self._loop.create_task(self._one_at_a_time(attempt))
        task.add_done_callback(lambda finished: _hand_back(caller, finished, done))

    async def _one_at_a_time(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        async with self._lock:
            return await attempt()

    def close(self) -> None:
        """Closes the connection (on its own thread) and stops the thread; idempotent."""
        if self._loop.is_closed():
            return
        if self.is_current_thread():  # dropped by an attempt's last reference: stop without waiting on itself
            self._loop.call_soon(self._loop.stop)
            return
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._dispose(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()

    async def _dispose(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()


def _hand_back(caller: asyncio.AbstractEventLoop, finished: asyncio.Task[T], done: asyncio.Future[T]) -> None:
    """On the writer thread: settle the caller's future with the attempt's outcome, on the caller's loop."""
    with suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting any more
        caller.call_soon_threadsafe(_settle, finished, done)


def _settle(finished: asyncio.Task[T], done: asyncio.Future[T]) -> None:
    if done.cancelled():
        return
    if finished.cancelled():
        done.cancel()
    elif (error := finished.exception()) is not None:
        done.set_exception(error)
    else:
        done.set_result(finished.result())
