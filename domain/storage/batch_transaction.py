"""Several commands in one SQL transaction, each under a savepoint (domain/batches.py runs the rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import CursorResult, Dialect, Executable, text

from domain.ports import UnitOfWork
from domain.storage.database_errors import Stage, store_refusal

_SAVEPOINT = text("SAVEPOINT batch_row")
_RELEASE = text("RELEASE SAVEPOINT batch_row")
_ROLLBACK = text("ROLLBACK TO SAVEPOINT batch_row")


class SavepointTransaction:
    """What one row's unit of work sees as its transaction: a savepoint of the batch's. Its `commit` releases the
    savepoint (the batch's COMMIT makes it durable); `close` rolls back to it whatever was not released."""

    def __init__(self, outer: Any) -> None:
        self._outer = outer
        self._open = False

    @property
    def dialect(self) -> Dialect:
        dialect: Dialect = self._outer.dialect
        return dialect

    async def begin(self) -> None:
        await self._outer.execute(_SAVEPOINT)
        self._open = True

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        result: CursorResult[Any] = await self._outer.execute(statement, parameters)
        return result

    async def commit(self) -> None:
        await self._outer.execute(_RELEASE)
        self._open = False

    async def close(self) -> None:
        if self._open:
            self._open = False
            await self._outer.execute(_ROLLBACK)
            await self._outer.execute(_RELEASE)


class SqlBatch:
    """One transaction on `connect()`'s connection; `unit_of_work(connect)` builds the rows' units of work."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Any]],
        unit_of_work: Callable[[Callable[[], Awaitable[SavepointTransaction]]], UnitOfWork],
        write_lock: asyncio.Lock | None,
    ) -> None:
        self._connect = connect
        self._unit_of_work = unit_of_work
        self._write_lock = write_lock
        self._outer: Any = None
        self._committing = False

    def __call__(self) -> UnitOfWork:
        return self._unit_of_work(self._savepoint)

    async def _savepoint(self) -> SavepointTransaction:
        if self._outer is None:
            raise RuntimeError("the batch is used outside its `async with` block")
        return SavepointTransaction(self._outer)

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            self._outer = await self._connect()
            await self._outer.begin()
        except BaseException as error:
            await self._release()
            refusal = store_refusal(error, Stage.BEGIN)
            if refusal is not None:
                raise refusal from error
            raise
        return self

    async def commit(self) -> None:
        self._committing = True
        await self._outer.commit()
        self._committing = False

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._release()
        if exc is not None:
            refusal = store_refusal(exc, Stage.COMMIT if self._committing else Stage.STATEMENT)
            if refusal is not None:
                raise refusal from exc

    async def _release(self) -> None:
        try:
            if self._outer is not None:
                await self._outer.close()  # rolls back whatever was not committed
        finally:
            self._outer = None
            if self._write_lock is not None and self._write_lock.locked():
                self._write_lock.release()
