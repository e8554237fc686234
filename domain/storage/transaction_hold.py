"""One transaction held for an `async with` block: the connection, the in-process write lock, and the store's
errors turned into the ports' refusals by the stage they happened at. Units of work and batches hold one each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from domain.storage.database_errors import Stage, store_refusal


class TransactionHold:
    def __init__(self, connect: Callable[[], Awaitable[Any]], write_lock: asyncio.Lock | None) -> None:
        self._connect = connect
        self._write_lock = write_lock
        self.connection: Any = None
        self._committing = False

    async def open(self) -> Any:
        """Queues on the write lock, connects and begins; a store that cannot is refused as the ports say."""
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            self.connection = await self._connect()
            await self.connection.begin()
        except BaseException as error:
            await self._release()
            refusal = store_refusal(error, Stage.BEGIN)
            if refusal is not None:
                raise refusal from error
            raise
        return self.connection

    async def commit(self) -> None:
        self._committing = True
        await self.connection.commit()

    async def close(self, exc: BaseException | None) -> None:
        """Rolls back whatever was not committed. A connection lost before COMMIT was sent (a pooled one the
        server closed) wrote nothing: the attempt runs again. One lost during COMMIT leaves the outcome unknown:
        the caller is told, not retried."""
        await self._release()
        if exc is not None:
            refusal = store_refusal(exc, Stage.COMMIT if self._committing else Stage.STATEMENT)
            if refusal is not None:
                raise refusal from exc

    async def _release(self) -> None:
        try:
            if self.connection is not None:
                await self.connection.close()
        finally:
            self.connection = None
            if self._write_lock is not None and self._write_lock.locked():
                self._write_lock.release()
