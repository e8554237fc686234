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
from domain.model.orders import Order
from domain.model.webhooks import Webhook
from domain.outbox import ConsistencyToken, OutboxPosition
from domain.ports import IdempotencyClaim, Outcome, SkuTaken, SlugTaken, TransientConflict
from domain.storage.aggregate_rows import AggregateRows, idempotency_row, rows_to_write
from domain.storage.batch_transaction import SqlBatch
from domain.storage.database_errors import is_sku_taken, is_slug_taken
from domain.storage.engine import is_sqlite_file
from domain.storage.repositories import (
    SqlConnection,
    SqlOrderRepository,
    SqlProductRepository,
    SqlWebhookRepository,
    Tracker,
)
from domain.storage.sqlite_writer import SqliteWriter
from domain.storage.tables import idempotency_keys, orders, outbox, products, webhooks
from domain.storage.transaction_hold import TransactionHold
from domain.storage.variant_writes import write_changed_variants, write_new_product_variants

Clock = Callable[[], datetime]
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Transaction(SqlConnection, Protocol):
    def begin(self) -> Awaitable[Any]: ...

    async def commit(self) -> None: ...

    async def close(self) -> None: ...


Connect = Callable[[], Awaitable[Transaction]]

_TABLES = {Product.aggregate_type: products, Order.aggregate_type: orders, Webhook.aggregate_type: webhooks}
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


class SqlUnitOfWork:
    """One command's transaction. `write_lock` serializes writers inside one process (SQLite has one writer
    anyway; queuing on a lock beats spinning on SQLITE_BUSY). `partitions`: the outbox's partition count (read
    from the database at start, `outbox_partitioning.load_partitions`)."""

    products: SqlProductRepository
    orders: SqlOrderRepository
    webhooks: SqlWebhookRepository

    def __init__(
        self,
        connect: Connect,
        *,
        clock: Clock = utc_now,
        write_lock: asyncio.Lock | None = None,
        partitions: int = 1,
    ) -> None:
        self._hold = TransactionHold(connect, write_lock)
        self._clock = clock
        self._partitions = partitions
        self._connection: Transaction | None = None
        self._claim: IdempotencyClaim | None = None
        self._tracker = Tracker()

    async def __aenter__(self) -> Self:
        self._connection = await self._hold.open()
        self.products = SqlProductRepository(self._connection, self._tracker)
        self.orders = SqlOrderRepository(self._connection, self._tracker)
        self.webhooks = SqlWebhookRepository(self._connection, self._tracker)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._connection = None
        await self._hold.close(exc)

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
            await connection.execute(_REMEMBER, idempotency_row(self._claim, outcome, self.now()))
        await self._hold.commit()
        for aggregate in self._tracker.aggregates.values():
            aggregate.pending_events.clear()
        return outcome

    async def _write_changes(self, connection: SqlConnection) -> tuple[list[OutboxPosition], set[int]]:
        """The outbox positions of the records written, every one of this command's, and their partitions."""
        events: list[dict[str, Any]] = []
        for identity, aggregate in self._tracker.aggregates.items():
            if not aggregate.pending_events:
                continue
            written = rows_to_write(aggregate, self._partitions)
            await self._save(connection, aggregate, written, self._tracker.loaded_versions[identity])
            events.extend(written.outbox)
        if not events:
            return [], set()
        appended = await connection.execute(_APPEND, events)
        return [OutboxPosition(row.txid, row.sequence) for row in appended], {event["partition"] for event in events}

    async def _save(
        self, connection: SqlConnection, aggregate: Aggregate, written: AggregateRows, loaded_version: int | None
    ) -> None:
        kind = aggregate.aggregate_type
        row = written.row
        try:
            if loaded_version is None:
                await connection.execute(_INSERTS[kind], row)
            else:
                row["loaded_id"] = row.pop("id")
                row["loaded_version"] = loaded_version
                result = await connection.execute(_VERSION_CHECKED_UPDATES[kind], row)
                if result.rowcount != 1:
                    raise TransientConflict(f"{kind} {aggregate.key} changed concurrently")
        except IntegrityError as error:
            if isinstance(aggregate, Product) and is_sku_taken(error):
                raise SkuTaken((aggregate.sku,)) from error
            if isinstance(aggregate, Product) and is_slug_taken(error):
                raise SlugTaken(aggregate.details.slug) from error
            raise
        if isinstance(aggregate, Product):
            if loaded_version is None:
                await write_new_product_variants(connection, written.variants, written.skus)
            else:
                await write_changed_variants(connection, written.variants, self._tracker.loaded_variants[aggregate.id])

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

    def batch(self) -> SqlBatch:
        """Rows in one transaction, each under a savepoint: on the writer thread inside its group, as an
        attempt; otherwise on a connection of `engine`, queued on the in-process lock like a command."""

        def row_unit_of_work(connect: Connect) -> SqlUnitOfWork:
            return SqlUnitOfWork(connect, clock=self._clock, partitions=self._partitions)

        if self._writer is not None and self._writer.is_current_thread():
            return SqlBatch(self._writer.connect, row_unit_of_work, None, self._clock, self._partitions)
        return SqlBatch(self._engine.connect, row_unit_of_work, self._write_lock, self._clock, self._partitions)

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
