"""Our paths, driven in-process the way the service drives them: the sync worker, and its batch -> bulk step.

`sync_until_caught_up` runs the real `SyncWorker` over a database's outbox backlog. `deliver_records` pushes a
given sequence of outbox records (in order, or shuffled and duplicated) through the worker's own batch
preparation (projection, coalescing) and delivery (`_bulk` with external versions, retries), one batch in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.run import Run
from domain.outbox import START, OutboxRecord
from domain.storage import outbox_store
from domain.storage.engine import create_async
from read_index.indices import ensure_indices, refresh
from sync.delivery import Delivered, Deliverer
from sync.options import SyncOptions
from sync.outbox_reader import prepare
from sync.retry import Outage

BATCH_SIZE = SyncOptions().batch_size


@dataclass(frozen=True, slots=True)
class SyncStats:
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def count_outbox(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await outbox_store.backlog(connection, START)).events


async def sync_until_caught_up(
    run: Run, database_url: str, prefix: str, *, refresh: bool = False, subscription: str | None = None
) -> SyncStats:
    """The real worker, from its checkpoint to the end of the backlog (indices created first, untimed).

    `subscription` names a checkpoint of its own, so repetitions over one database each start from the beginning;
    the main index keeps the default one, which `catalog serve`'s worker then finds caught up."""
    from sync.worker import SyncWorker  # the worker lands separately; imported late so the rest still runs

    engine = create_async(database_url, sqlite_immediate=False)
    client = run.es_client()
    try:
        await ensure_indices(client, prefix)
        events = await count_outbox(engine)
        options = SyncOptions(subscription=subscription or SyncOptions().subscription)
        if run.settings.sync_batch_size:
            options = replace(options, batch_size=run.settings.sync_batch_size)
        worker = SyncWorker(engine, client, prefix, options=options)
        started = time.perf_counter()
        await worker.run_until_caught_up()
        seconds = time.perf_counter() - started
        if refresh:
            await _refresh(client, prefix)
    finally:
        await client.close()
        await engine.dispose()
    return SyncStats(events, seconds)


async def _refresh(client: object, prefix: str) -> None:
    await refresh(client, prefix)  # type: ignore[arg-type]


async def read_all(database_url: str) -> list[OutboxRecord]:
    """Every outbox record, in position order, read with the worker's own gap-safe reader."""
    engine = create_async(database_url, sqlite_immediate=False)
    records: list[OutboxRecord] = []
    position = START
    try:
        while True:
            async with engine.connect() as connection:
                page = await outbox_store.read_after(connection, position, 5_000)
            if not page:
                return records
            records.extend(page)
            position = page[-1].position
    finally:
        await engine.dispose()


async def deliver_records(
    run: Run, prefix: str, records: Sequence[OutboxRecord], indices: Mapping[str, str], batch_size: int = BATCH_SIZE
) -> SyncStats:
    """Batches of `records` as given, each prepared and delivered as the worker does, the next batch prepared
    while the previous `_bulk` is in flight."""
    client = run.es_client()
    options = SyncOptions()
    deliverer = Deliverer(
        client,
        prefix,
        max_attempts=options.max_attempts,
        backoff_base=options.backoff_base_seconds,
        backoff_cap=options.backoff_cap_seconds,
        outage=Outage("elasticsearch"),
        indices=indices,
    )
    halt = asyncio.Event()
    started = time.perf_counter()
    refused = 0
    try:
        in_flight: asyncio.Task[Delivered] | None = None
        for low in range(0, len(records), batch_size):
            batch = prepare(list(records[low : low + batch_size]), tail=False, acknowledged=deliverer.acknowledged)
            if in_flight is not None:
                refused += len((await in_flight).refused)
            in_flight = asyncio.create_task(deliverer.deliver(batch.ops, halt))
        if in_flight is not None:
            refused += len((await in_flight).refused)
        seconds = time.perf_counter() - started
    finally:
        await client.close()
    if refused:
        raise RuntimeError(f"Elasticsearch refused {refused} operations")
    return SyncStats(len(records), seconds)
