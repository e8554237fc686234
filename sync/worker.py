"""The sync worker: outbox -> projections -> one `_bulk` per batch -> checkpoint, per partition, under a lease each.

Delivery is at least once and every operation carries the aggregate's version as an external version, so
re-delivery (after a crash, a retry, a lease takeover) changes nothing and an older state never replaces a newer
one. The checkpoint advances only after Elasticsearch acknowledged the batch; then the applied position is also
recorded in Elasticsearch for readers waiting on a consistency token. See docs/sync.md.

The outbox is split into partitions (by aggregate, `domain.outbox.partition_of`); each has its own checkpoint,
lease and applied position. Every worker announces itself (`domain.storage.sync_workers`) and holds up to its fair
share of the partitions (`fair_share`), giving surplus back when more workers come and taking free or expired
leases over; it serves each partition it holds with its own pipeline (`partition_server`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from datetime import timedelta

from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import OutboxPosition
from domain.storage import outbox_partitioning, outbox_reading, sync_workers
from domain.storage.schema_revision import check_schema
from read_index.indices import ensure_indices
from sync.fair_share import claim_order, fair_share, surplus
from sync.lease_keeper import default_owner
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.partition_server import PartitionServer
from sync.retry import DATABASE_ERRORS, Backoff, Interrupted, sleep_or_halt
from sync.retrying_stores import RetryingStores
from sync.state_index import ensure_state_index
from sync.status import SyncStatus, read_status

log = logging.getLogger(__name__)


class SyncWorker:
    """Built once by the composition root; `run` until `stop` is set, or `run_until_caught_up` (tests, bench,
    `catalog sync --once`). Any number of workers may run against one deployment: they share the partitions."""

    def __init__(
        self,
        engine: AsyncEngine,
        client: AsyncElasticsearch,
        prefix: str,
        options: SyncOptions | None = None,
        *,
        owner: str | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._prefix = prefix
        self.options = options or SyncOptions()
        self.owner = owner or default_owner()
        self.metrics = SyncMetrics(registry if registry is not None else CollectorRegistry())
        self._stores = RetryingStores(engine, self.options, self.metrics.retries)
        self._servers: list[PartitionServer] = []
        self._serving: dict[int, asyncio.Task[OutboxPosition]] = {}
        self._stops: dict[int, asyncio.Event] = {}
        self._prepared = False
        self._renew_seconds = self.options.lease_seconds / 3
        self._share_seconds = min(self._renew_seconds, self.options.share_seconds)

    @property
    def holds_lease(self) -> bool:
        """Whether this worker holds any partition's lease."""
        return bool(self.held_partitions)

    @property
    def held_partitions(self) -> list[int]:
        return [server.partition for server in self._servers if server.lease.held]

    def wake(self) -> None:
        """New records were committed: look at the outbox now rather than at the next poll."""
        for server in self._servers:
            server.wake.set()

    async def status(self) -> SyncStatus:
        return await read_status(self._engine, self.options.subscription, partitioned=self.options.partitioned)

    async def run(self, stop: asyncio.Event) -> None:
        """Works until `stop` is set, then finishes each partition's batch in flight, writes its checkpoint and
        releases its lease. Holds up to its fair share of the partitions; stands by when others hold them all."""
        status_task = asyncio.create_task(
            self.metrics.observe_every(self.options.status_seconds, self.status, stop), name="sync-status"
        )
        not_before: dict[int, float] = {}
        failures = Backoff(self.options.backoff_base_seconds * 10, self.options.backoff_cap_seconds)
        try:
            await self._prepare(stop)
            while not stop.is_set():
                await self._reap(not_before, failures)
                share = fair_share(len(self._servers), await self._announce())
                held = list(self._serving)
                for partition in surplus(held, share):
                    log.info("event=partition_given_back partition=%d owner=%s share=%d", partition, self.owner, share)
                    await self._give_back(partition)
                for partition in await self._claimable(not_before):
                    if len(self._serving) >= share or stop.is_set():
                        break
                    server = self._servers[partition]
                    if await server.lease.claim():
                        self._stops[partition] = asyncio.Event()
                        self._serving[partition] = asyncio.create_task(
                            server.serve(self._stops[partition], until=None), name=f"sync-partition-{partition}"
                        )
                await sleep_or_halt(self._share_seconds, stop)
        except Interrupted:
            pass
        finally:
            for partition_stop in self._stops.values():
                partition_stop.set()
            await asyncio.gather(*self._serving.values(), return_exceptions=True)
            for server in self._servers:
                await server.lease.release()
            self._serving.clear()
            await self._withdraw()
            status_task.cancel()
            with suppress(asyncio.CancelledError):
                await status_task

    async def run_until_caught_up(self) -> OutboxPosition:
        """Applies every record committed before the call, in every partition, then returns the lowest partition
        checkpoint. Waits for partitions other workers hold, and on PostgreSQL for older transactions still open;
        bound it with `asyncio.timeout`."""
        never = asyncio.Event()
        await self._prepare(never)
        until = await self._stores.database(outbox_reading.head, never)
        reached = await asyncio.gather(*(self._catch_up(server, until) for server in self._servers))
        return min(reached)

    async def _catch_up(self, server: PartitionServer, until: OutboxPosition) -> OutboxPosition:
        never = asyncio.Event()
        try:
            while True:
                if not await server.lease.claim():
                    await sleep_or_halt(self._renew_seconds, never)
                    continue
                reached = await server.serve(never, until=until)
                if reached >= until:
                    return reached
        finally:
            await server.lease.release()

    async def _reap(self, not_before: dict[int, float], failures: Backoff) -> None:
        """Forgets partitions whose tenure ended (lease lost, or a failure: retried after a backoff, loudly)."""
        for partition, task in list(self._serving.items()):
            if not task.done():
                continue
            del self._serving[partition]
            error = None if task.cancelled() else task.exception()
            if error is not None and not isinstance(error, Interrupted):
                delay = failures.next_delay()
                log.error(
                    "event=sync_failed partition=%d owner=%s action=restarting in %.1f s",
                    partition,
                    self.owner,
                    delay,
                    exc_info=error,
                )
                not_before[partition] = time.monotonic() + delay
            await self._servers[partition].lease.release()

    async def _give_back(self, partition: int) -> None:
        """Stops serving a partition: its batch in flight finishes and is checkpointed, then the lease is freed."""
        task = self._serving.pop(partition)
        self._stops[partition].set()
        await asyncio.gather(task, return_exceptions=True)
        await self._servers[partition].lease.release()

    async def _claimable(self, not_before: dict[int, float]) -> list[int]:
        now = time.monotonic()
        order = claim_order(self.owner, len(self._servers))
        return [p for p in order if p not in self._serving and not_before.get(p, 0.0) <= now]

    async def _announce(self) -> int:
        """Renews this worker's heartbeat; the live workers of the subscription (1 while the database is down:
        the leases it holds lapse anyway then)."""
        ttl = timedelta(seconds=self.options.lease_seconds)
        try:
            async with self._engine.begin() as connection:
                return await sync_workers.announce(connection, self.options.subscription, self.owner, ttl)
        except DATABASE_ERRORS as error:
            self._stores.database_outage.failed(error)
            return 1

    async def _withdraw(self) -> None:
        with suppress(*DATABASE_ERRORS):
            async with self._engine.begin() as connection:
                await sync_workers.withdraw(connection, self.options.subscription, self.owner)

    async def _prepare(self, halt: asyncio.Event) -> None:
        if self._prepared:
            return
        await self._stores.database(check_schema, halt)  # SchemaMismatch: never retried, the worker stops
        layout = self.options.index_layout
        await self._stores.elasticsearch(lambda: ensure_indices(self._client, self._prefix, layout), halt)
        await self._stores.elasticsearch(lambda: ensure_state_index(self._client, self._prefix, layout), halt)
        partitioned = self.options.partitioned
        count = await self._stores.database(outbox_partitioning.load_partitions, halt) if partitioned else 1
        self._servers = [
            PartitionServer(
                self._engine,
                self._client,
                self._prefix,
                options=self.options,
                stores=self._stores,
                metrics=self.metrics,
                owner=self.owner,
                partition=partition,
                partitioned=partitioned,
            )
            for partition in range(count)
        ]
        self._prepared = True
