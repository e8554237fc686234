"""The SQL unit of work: one transaction that writes changed aggregates and appends their events to the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.orders import Order
from domain.model.plain import plain
from domain.outbox import OutboxPosition
from domain.ports import IdempotencyClaim, Outcome, TransientConflict
from domain.storage.errors import is_transient
from domain.storage.repositories import (
    SqlOrderRepository,
    SqlProductRepository,
    Tracker,
    order_to_row,
    product_to_row,
)
from domain.storage.tables import idempotency_keys, orders, outbox, products

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


_TABLES = {Product.aggregate_type: (products, product_to_row), Order.aggregate_type: (orders, order_to_row)}


class SqlUnitOfWork:
    """One command's transaction. `write_lock` serializes writers inside one process (SQLite has one writer
    anyway; queuing on a lock beats spinning on SQLITE_BUSY)."""

    products: SqlProductRepository
    orders: SqlOrderRepository

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now, write_lock: asyncio.Lock | None = None) -> None:
        self._engine = engine
        self._clock = clock
        self._write_lock = write_lock
        self._connection: AsyncConnection | None = None
        self._claim: IdempotencyClaim | None = None
        self._tracker = Tracker()

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
        except BaseException:
            await self._release()
            raise
        self.products = SqlProductRepository(self._connection, self._tracker)
        self.orders = SqlOrderRepository(self._connection, self._tracker)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._release()
        if isinstance(exc, DBAPIError) and is_transient(exc):
            raise TransientConflict(str(exc.orig)) from exc

    async def _release(self) -> None:
        try:
            if self._connection is not None:
                await self._connection.close()  # rolls back whatever was not committed
        finally:
            self._connection = None
            if self._write_lock is not None and self._write_lock.locked():
                self._write_lock.release()

    def now(self) -> datetime:
        return self._clock()

    async def recall(self, claim: IdempotencyClaim) -> tuple[str, Outcome] | None:
        query = select(idempotency_keys).where(
            idempotency_keys.c.caller == claim.caller, idempotency_keys.c.key == claim.key
        )
        row = (await self._active().execute(query)).first()
        if row is None:
            return None
        return row.fingerprint, Outcome(row.aggregate_id, row.version, row.consistency_token)

    def claim(self, claim: IdempotencyClaim) -> None:
        self._claim = claim

    async def commit(self, primary: Aggregate) -> Outcome:
        connection = self._active()
        last_position = await self._write_changes(connection)
        token = last_position.token() if last_position is not None else None
        outcome = Outcome(primary.key, primary.version, token)
        if self._claim is not None:
            await connection.execute(
                insert(idempotency_keys).values(
                    caller=self._claim.caller,
                    key=self._claim.key,
                    fingerprint=self._claim.fingerprint,
                    aggregate_id=outcome.aggregate_id,
                    version=outcome.version,
                    consistency_token=outcome.consistency_token,
                    created_at=self.now(),
                )
            )
        await connection.commit()
        for aggregate in self._tracker.aggregates.values():
            aggregate.pending_events.clear()
        return outcome

    async def _write_changes(self, connection: AsyncConnection) -> OutboxPosition | None:
        rows: list[dict[str, Any]] = []
        for identity, aggregate in self._tracker.aggregates.items():
            if not aggregate.pending_events:
                continue
            await self._save(connection, aggregate, self._tracker.loaded_versions[identity])
            first_version = aggregate.version - len(aggregate.pending_events) + 1
            last = len(aggregate.pending_events) - 1
            rows.extend(
                {
                    "aggregate_type": aggregate.aggregate_type,
                    "aggregate_id": aggregate.key,
                    "aggregate_version": first_version + i,
                    "event_type": type(event).__name__,
                    "payload": plain(event),
                    "state": aggregate.state() if i == last else None,
                    "occurred_at": event.occurred_at,
                }
                for i, event in enumerate(aggregate.pending_events)
            )
        if not rows:
            return None
        appended = await connection.execute(insert(outbox).returning(outbox.c.txid, outbox.c.sequence), rows)
        return max(OutboxPosition(txid, sequence) for txid, sequence in appended)

    async def _save(self, connection: AsyncConnection, aggregate: Aggregate, loaded_version: int | None) -> None:
        table, to_row = _TABLES[aggregate.aggregate_type]
        row = to_row(aggregate)  # type: ignore[operator]
        if loaded_version is None:
            await connection.execute(insert(table).values(row))
            return
        result = await connection.execute(
            update(table).where(table.c.id == aggregate.key, table.c.version == loaded_version).values(row)
        )
        if result.rowcount != 1:
            raise TransientConflict(f"{aggregate.aggregate_type} {aggregate.key} changed concurrently")

    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._connection


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, *, serialize_writes: bool, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock
        self._write_lock = asyncio.Lock() if serialize_writes else None

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, clock=self._clock, write_lock=self._write_lock)
