"""The webhook worker's writes to the database, one transaction at a time, and attempts' outcomes in group commits.

Senders finish attempts concurrently; each writing its outcome in a transaction of its own would have them queue
for SQLite's one write lock through its busy handler, which sleeps between tries (up to 100 ms each), and on
PostgreSQL pay a commit apiece. Instead the outcomes waiting when a transaction starts share it, and the process's
webhook writes (the fan-out's batches, purges) take turns on a lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage import webhook_deliveries
from sync.retrying_stores import RetryingStores

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    at: datetime
    status_code: int | None
    error: str | None
    """None: delivered."""
    retry_at: datetime | None = None
    """A failed attempt's next one; None: the delivery is dead."""


class Writes:
    def __init__(self, stores: RetryingStores) -> None:
        self._stores = stores
        self._lock = asyncio.Lock()
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._leading = False

    async def transaction(self, call: Callable[[AsyncConnection], Awaitable[T]], halt: asyncio.Event) -> T:
        """`call` in a transaction of its own, retried while the database does not answer, after the others."""
        async with self._lock:
            return await self._stores.database(call, halt, write=True)

    async def outcome(self, outcome: Outcome, halt: asyncio.Event) -> None:
        """Returns once `outcome` is committed (raises `Interrupted` if halted before). The first caller to find
        no transaction under way leads: it writes what is waiting, group after group, then returns."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, done))
        if not self._leading:
            self._leading = True
            try:
                while self._waiting:
                    group, self._waiting = self._waiting, []
                    await self._write(group, halt)
            finally:
                self._leading = False
        await done

    async def _write(self, group: list[tuple[Outcome, asyncio.Future[None]]], halt: asyncio.Event) -> None:
        async def write(connection: AsyncConnection) -> None:
            for outcome, _ in group:
                await _record(connection, outcome)

        try:
            await self.transaction(write, halt)
        except BaseException as error:
            for _, done in group:
                done.set_exception(error)
            if not isinstance(error, Exception):
                raise
        else:
            for _, done in group:
                done.set_result(None)


async def _record(connection: AsyncConnection, outcome: Outcome) -> None:
    if outcome.error is None:
        code = outcome.status_code or 200
        await webhook_deliveries.record_delivered(connection, outcome.delivery_id, code, outcome.at)
        return
    await webhook_deliveries.record_failed(
        connection,
        outcome.delivery_id,
        status_code=outcome.status_code,
        error=outcome.error,
        now=outcome.at,
        retry_at=outcome.retry_at,
    )
