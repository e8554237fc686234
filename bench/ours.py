"""Our sync path, driven in-process the way the service drives it: `sync_until_caught_up` runs the real
`SyncWorker` over a database's outbox backlog."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from api.cli.common import WORKER_YOUNG_OBJECTS
from bench.measure import collecting_after
from bench.run import Run
from domain.outbox import START
from domain.storage import outbox_reading
from domain.storage.engine import create_async
from read_index.indices import ensure_indices, refresh
from sync.options import SyncOptions


@dataclass(frozen=True, slots=True)
class SyncStats:
    events: int
    seconds: float
    operations: int = 0
    """Index operations the worker's batches carried (`catalog_sync_operations`): one per document and batch."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def count_outbox(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await outbox_reading.backlog(connection, START)).events


async def sync_until_caught_up(
    run: Run, database_url: str, prefix: str, *, refresh: bool = False, subscription: str | None = None
) -> SyncStats:
    """The real worker, from its checkpoint to the end of the backlog (indices created first, untimed).

    `subscription` names a checkpoint of its own, so repetitions over one database each start from the beginning;
    the main index keeps the default one, which `catalog serve`'s worker then finds caught up.

    The garbage collector runs as `catalog sync` sets it (`WORKER_YOUNG_OBJECTS`) while the worker runs: at
    CPython's default thresholds the collector took 1.6 s of the worker's 2.8 s of CPU over 20 000 products of
    the variant catalog, a cost the deployed worker never pays (docs/performance.md, finding 28)."""
    from sync.worker import SyncWorker  # the worker lands separately; imported late so the rest still runs

    engine = create_async(database_url, sqlite_immediate=False)
    client = run.es_client()
    try:
        await ensure_indices(client, prefix, run.elasticsearch.layout)
        events = await count_outbox(engine)
        options = SyncOptions(subscription=subscription or SyncOptions().subscription)
        if run.settings.sync_batch_size:
            options = replace(options, batch_size=run.settings.sync_batch_size)
        registry = CollectorRegistry()
        worker = SyncWorker(engine, client, prefix, options=options, registry=registry)
        with collecting_after(WORKER_YOUNG_OBJECTS):
            started = time.perf_counter()
            await worker.run_until_caught_up()
            seconds = time.perf_counter() - started
        if refresh:
            await _refresh(client, prefix)
    finally:
        await client.close()
        await engine.dispose()
    return SyncStats(events, seconds, int(registry.get_sample_value("catalog_sync_operations_total") or 0))


async def _refresh(client: object, prefix: str) -> None:
    await refresh(client, prefix)  # type: ignore[arg-type]
