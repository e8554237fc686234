"""The SQL unit of work: one transaction that writes changed aggregates and appends their events to the outbox."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.json_data import as_json_data
from domain.model.orders import Order
from domain.model.snapshots import Snapshot
from domain.outbox import ConsistencyToken, OutboxPosition, partition_of
from domain.ports import IdempotencyClaim, Outcome, SkuTaken, TransientConflict
from domain.storage.aggregate_rows import order_row, product_row
from domain.storage.database_errors import Stage, is_sku_taken, store_refusal
from domain.storage.engine import is_sqlite_file
from domain.storage.repositories import SqlConnection, SqlOrderRepository, SqlProductRepository, Tracker
from domain.storage.sqlite_writer import SqliteWriter
from domain.storage.tables import idempotency_keys, orders, outbox, products

Clock = Callable[[], datetime]
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Transaction(SqlConnection, Protocol):
    def begin(self) -> Awaitable[Any]: ...

    async def commit(self) -> None: ...

    async def close(self) -> None: ...


Connect = Callable[[], Awaitable[Transaction]]

_TABLES = {Product.aggregate_type: products, Order.aggregate_type: orders}
# Built once, executed with parameters: compiled once (see repositories.py).
_INSERTS = {kind: insert(table) for kind, table in _TABLES.items()}
_VERSION_CHECKED_UPDATES = {
    kind: update(table).where(table.c.id == bindparam("loaded_id"), table.c.version == bindparam("loaded_version"))
    for kind, table in _TABLES.items()
}
_APPEND = insert(outbox).returning(outbox.c.txid, outbox.c.sequence)
_REMEMBER = insert(idempotency_keys)
_RECALL = select(idempotency_keys).where(
    idempotency_keys.c.caller == bindparam("caller"), idempotency_keys.c.key == bindparam("key")
)


def rows_to_write(aggregate: Aggregate, partitions: int = 1) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a commit writes of an aggregate: its table row, and the outbox rows of its pending events (in its
    partition of `partitions`), the last carrying its snapshot. Row and outbox state come from one snapshot."""
    snapshot: Snapshot
    if isinstance(aggregate, Product):
        snapshot = product = aggregate.snapshot()
        row = product_row(product)
    elif isinstance(aggregate, Order):
        snapshot = order = aggregate.snapshot()
        row = order_row(order)
    else:
        raise TypeError(f"no table holds a {type(aggregate).__name__}")
    return row, _outbox_rows(aggregate, snapshot, partitions)


def _outbox_rows(aggregate: Aggregate, snapshot: Snapshot, partitions: int) -> list[dict[str, Any]]:
    first_version = aggregate.version - len(aggregate.pending_events) + 1
    last = len(aggregate.pending_events) - 1
    partition = partition_of(aggregate.aggregate_type, aggregate.key, partitions)
    return [
        {
            "partition": partition,
            "aggregate_type": aggregate.aggregate_type,
            "aggregate_id": aggregate.key,
            "aggregate_version": first_version + i,
            "event_type": type(event).__name__,
            "payload": as_json_data(event),
            "state": snapshot if i == last else None,
            "occurred_at": event.occurred_at,
        }
        for i, event in enumerate(aggregate.pending_events)
    ]


class SqlUnitOfWork:
    """One command's transaction. `write_lock` serializes writers inside one process (SQLite has one writer
    anyway; queuing on a lock beats spinning on SQLITE_BUSY). `partitions`: the outbox's partition count (read
    from the database at start, `outbox_partitioning.load_partitions`)."""

    products: SqlProductRepository
    orders: SqlOrderRepository

    def __init__(
        self,
        connect: Connect,
        *,
        clock: Clock = utc_now,
        write_lock: asyncio.Lock | None = None,
        partitions: int = 1,
    ) -> None:
        self._connect = connect
        self._clock = clock
        self._partitions = partitions
        self._write_lock = write_lock
        self._connection: Transaction | None = None
        self._claim: IdempotencyClaim | None = None
        self._tracker = Tracker()
        self._committing = False

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            self._connection = await self._connect()
            await self._connection.begin()
        except BaseException as error:
            await self._release()
            refusal = store_refusal(error, Stage.BEGIN)
            if refusal is not None:
                raise refusal from error
            raise
        self.products = SqlProductRepository(self._connection, self._tracker)
        self.orders = SqlOrderRepository(self._connection, self._tracker)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._release()
        if exc is not None:
            # A connection lost before COMMIT was sent (a pooled one the server closed) wrote nothing: the attempt
            # runs again. One lost during COMMIT leaves the outcome unknown: the caller is told, not retried.
            refusal = store_refusal(exc, Stage.COMMIT if self._committing else Stage.STATEMENT)
            if refusal is not None:
                raise refusal from exc

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
        result = await self._active().execute(_RECALL, {"caller": claim.caller, "key": claim.key})
        row = result.first()
        if row is None:
            return None
        return row.fingerprint, Outcome(row.aggregate_id, row.version, row.consistency_token)

    def claim(self, claim: IdempotencyClaim) -> None:
        self._claim = claim

    async def commit(self, primary: Aggregate) -> Outcome:
        connection = self._active()
        written, partitions = await self._write_changes(connection)
        token = ConsistencyToken.of(written, partitions).text() if written else None
        outcome = Outcome(primary.key, primary.version, token)
        if self._claim is not None:
            remembered = {
                "caller": self._claim.caller,
                "key": self._claim.key,
                "fingerprint": self._claim.fingerprint,
                "aggregate_id": outcome.aggregate_id,
                "version": outcome.version,
                "consistency_token": outcome.consistency_token,
                "created_at": self.now(),
            }
            await connection.execute(_REMEMBER, remembered)
        self._committing = True
        await connection.commit()
        for aggregate in self._tracker.aggregates.values():
            aggregate.pending_events.clear()
        return outcome

    async def _write_changes(self, connection: SqlConnection) -> tuple[list[OutboxPosition], set[int]]:
        """The outbox positions of the records written, every one of this command's, and their partitions."""
        events: list[dict[str, Any]] = []
        for identity, aggregate in self._tracker.aggregates.items():
            if not aggregate.pending_events:
                continue
            row, aggregate_events = rows_to_write(aggregate, self._partitions)
            await self._save(connection, aggregate, row, self._tracker.loaded_versions[identity])
            events.extend(aggregate_events)
        if not events:
            return [], set()
        appended = await connection.execute(_APPEND, events)
        return [OutboxPosition(row.txid, row.sequence) for row in appended], {event["partition"] for event in events}

    async def _save(
        self, connection: SqlConnection, aggregate: Aggregate, row: dict[str, Any], loaded_version: int | None
    ) -> None:
        kind = aggregate.aggregate_type
        if loaded_version is None:
            try:
                await connection.execute(_INSERTS[kind], row)
            except IntegrityError as error:
                if isinstance(aggregate, Product) and is_sku_taken(error):
                    raise SkuTaken(aggregate.sku) from error
                raise
            return
        row["loaded_id"] = row.pop("id")
        row["loaded_version"] = loaded_version
        result = await connection.execute(_VERSION_CHECKED_UPDATES[kind], row)
        if result.rowcount != 1:
            raise TransientConflict(f"{kind} {aggregate.key} changed concurrently")

    def _active(self) -> Transaction:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._connection


class SqlUnitOfWorkFactory:
    """Units of work on `engine`. With `serialize_writes` on a SQLite file, every attempt runs on one writer thread
    with a synchronous connection (`SqliteWriter`, started on first use; `close()` stops it, and so does garbage
    collection); otherwise on `engine`, queued on an in-process lock when `serialize_writes`."""

    def __init__(
        self, engine: AsyncEngine, *, serialize_writes: bool, clock: Clock = utc_now, partitions: int = 1
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._partitions = partitions
        self._use_writer = serialize_writes and is_sqlite_file(engine.url)
        self._write_lock = asyncio.Lock() if serialize_writes and not self._use_writer else None
        self._writer: SqliteWriter | None = None

    def __call__(self) -> SqlUnitOfWork:
        if self._writer is not None and self._writer.is_current_thread():
            return SqlUnitOfWork(self._writer.connect, clock=self._clock, partitions=self._partitions)
        return SqlUnitOfWork(
            self._engine.connect, clock=self._clock, write_lock=self._write_lock, partitions=self._partitions
        )

    async def run(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if not self._use_writer:
            return await attempt()
        if self._writer is None:
            self._writer = SqliteWriter(self._engine.url)
            weakref.finalize(self, self._writer.close)
        return await self._writer.run(attempt)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
