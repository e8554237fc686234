"""SQLite's writer thread: every write transaction of the service, one thread hop per command, group commit."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Dialect, Executable
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from domain.ports import TransientConflict
from domain.storage.database_errors import Stage, store_refusal
from domain.storage.engine import create_sqlite_writer_engine

T = TypeVar("T")


class BlockingConnection:
    """AsyncConnection's slice that the unit of work and repositories use, over the writer thread's synchronous
    connection. Only for the writer thread, where blocking is the point: its awaits never suspend.

    The writer runs each attempt inside its group's transaction under a savepoint: `begin` sets it, `commit`
    releases it (the group's COMMIT makes it durable), `close` rolls back to it whatever was not released."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._driver: Any = connection.connection.driver_connection
        self._open = False

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def begin(self) -> None:
        self._driver.execute("SAVEPOINT attempt")
        self._open = True

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def commit(self) -> None:
        self._driver.execute("RELEASE attempt")
        self._open = False

    async def close(self) -> None:
        if self._open and self._driver.in_transaction:
            self._open = False
            self._driver.execute("ROLLBACK TO attempt")
            self._driver.execute("RELEASE attempt")


@dataclass(slots=True)
class _Queued:
    attempt: Callable[[], Coroutine[Any, Any, Any]]
    caller: asyncio.AbstractEventLoop
    done: asyncio.Future[Any]


# (future, result, error): what one attempt's caller is told
_Settlement = tuple[asyncio.Future[Any], Any, BaseException | None]


class SqliteWriter:
    """The one thread that runs this process's SQLite write transactions, on one synchronous pysqlite
    connection, under an event loop of its own.

    A command's attempt is shipped here whole (`run`): one thread hop per command, where aiosqlite makes one per
    SQL call (each a queue put and a wake-up of the request loop, 16 per createProduct). Attempts run one at a
    time, in arrival order (SQLite has one writer anyway), and whatever blocks (SQLite's lock held by another
    process, a WAL checkpoint) blocks this thread, never the request loop.

    Group commit: the attempts queued when the thread gets to them (at most `MAX_GROUP`) share one transaction,
    each under its own savepoint, and one COMMIT. An attempt that fails is rolled back to its savepoint (the
    others keep their writes) and gets its error; the others learn their outcome once the COMMIT succeeded, and
    if it fails they get a TransientConflict (nothing of theirs was written) and the bus runs them again. All
    of a group's answers reach the callers at its end. The connection is kept between groups; it is replaced
    only when SQLAlchemy invalidated it.
    """

    MAX_GROUP = 64

    def __init__(self, url: str | URL) -> None:
        self.engine = create_sqlite_writer_engine(url)
        self._connection: Connection | None = None
        self._queue: deque[_Queued] = deque()  # only touched on this writer's loop
        self._draining = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sqlite-writer", daemon=True)
        self._thread.start()

    async def connect(self) -> BlockingConnection:
        """The writer's connection, for one attempt's unit of work inside the current group."""
        if self._connection is None:
            raise RuntimeError("connect() is for attempts run by the writer")
        return BlockingConnection(self._connection)

    def is_current_thread(self) -> bool:
        return threading.get_ident() == self._thread.ident

    async def run(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Runs `attempt()` on the writer thread; the caller's loop waits for it without blocking. An attempt
        whose caller was cancelled before its turn does not start; one that started runs to its end."""
        caller = asyncio.get_running_loop()
        done: asyncio.Future[T] = caller.create_future()
        self._loop.call_soon_threadsafe(self._enqueue, _Queued(attempt, caller, done))
        return await done

    def _enqueue(self, queued: _Queued) -> None:
        self._queue.append(queued)
        if not self._draining:
            self._draining = True
            self._loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._queue:
                group = [self._queue.popleft() for _ in range(min(self.MAX_GROUP, len(self._queue)))]
                _settle_all(await self._run_group(group))
                await asyncio.sleep(0)  # lets in the attempts queued meanwhile
        finally:
            self._draining = False

    async def _run_group(self, group: list[_Queued]) -> list[tuple[_Queued, Any, BaseException | None]]:
        connection = self._group_connection()
        try:
            connection.begin()
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except DBAPIError as error:
            self._end(connection)
            refusal = store_refusal(error, Stage.BEGIN) or error
            return [(queued, None, refusal) for queued in group]
        told: list[tuple[_Queued, Any, BaseException | None]] = []
        succeeded: list[tuple[_Queued, Any]] = []
        for position, queued in enumerate(group):
            if queued.done.cancelled():  # a flag read across threads; the worst case is running an abandoned one
                continue
            try:
                succeeded.append((queued, await queued.attempt()))
            except BaseException as error:  # every failure belongs to its caller
                told.append((queued, None, error))
                if not _in_transaction(connection):
                    # SQLite ended the group's transaction itself (an I/O error, a full disk): the attempts that
                    # succeeded before are gone, the ones after run in the next group
                    self._queue.extendleft(reversed(group[position + 1 :]))
                    self._end(connection)
                    return told + [(queued, None, _lost("rolled back")) for queued, _ in succeeded]
        try:
            connection.commit()
        except DBAPIError as error:
            self._end(connection)
            return told + [(queued, None, _lost(str(error.orig))) for queued, _ in succeeded]
        return told + [(queued, result, None) for queued, result in succeeded]

    def _group_connection(self) -> Connection:
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            if self._connection is not None:
                self._connection.close()
            self._connection = self.engine.connect()
        return self._connection

    @staticmethod
    def _end(connection: Connection) -> None:
        with suppress(DBAPIError):
            connection.rollback()

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


def _in_transaction(connection: Connection) -> bool:
    if connection.invalidated:
        return False
    driver: Any = connection.connection.driver_connection
    return bool(driver.in_transaction)


def _lost(reason: str) -> TransientConflict:
    return TransientConflict(f"the group commit failed, nothing was written: {reason}")


def _settle_all(outcomes: list[tuple[_Queued, Any, BaseException | None]]) -> None:
    """On the writer thread: hands each caller loop its attempts' outcomes, in one wake-up per loop."""
    by_caller: dict[asyncio.AbstractEventLoop, list[_Settlement]] = {}
    for queued, result, error in outcomes:
        by_caller.setdefault(queued.caller, []).append((queued.done, result, error))
    for caller, settlements in by_caller.items():
        with suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting any more
            caller.call_soon_threadsafe(_settle, settlements)


def _settle(settlements: list[_Settlement]) -> None:
    for done, result, error in settlements:
        if done.cancelled():
            continue
        if isinstance(error, asyncio.CancelledError):
            done.cancel()
        elif error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)
