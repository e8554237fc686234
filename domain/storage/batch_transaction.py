"""Several commands in one SQL transaction, each under a savepoint (domain/batches.py runs the rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import CursorResult, Dialect, Executable, text

from domain.ports import UnitOfWork
from domain.storage.product_batch_writes import SqlNewProducts
from domain.storage.transaction_hold import TransactionHold

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
    """One transaction on `connect()`'s connection; `unit_of_work(connect)` builds the rows' units of work.
    `partitions`: the outbox's partition count, as the units of work have it."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Any]],
        unit_of_work: Callable[[Callable[[], Awaitable[SavepointTransaction]]], UnitOfWork],
        write_lock: asyncio.Lock | None,
        clock: Callable[[], datetime],
        partitions: int,
    ) -> None:
        self._hold = TransactionHold(connect, write_lock)
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._partitions = partitions

    @property
    def new_products(self) -> SqlNewProducts:
        """Many new products written at once, in the batch's transaction."""
        if self._hold.connection is None:
            raise RuntimeError("the batch is used outside its `async with` block")
        return SqlNewProducts(self._hold.connection, self._clock, self._partitions)

    def __call__(self) -> UnitOfWork:
        return self._unit_of_work(self._savepoint)

    async def _savepoint(self) -> SavepointTransaction:
        if self._hold.connection is None:
            raise RuntimeError("the batch is used outside its `async with` block")
        return SavepointTransaction(self._hold.connection)

    async def __aenter__(self) -> Self:
        await self._hold.open()
        return self

    async def commit(self) -> None:
        await self._hold.commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._hold.close(exc)
