"""The sync worker: outbox -> projections -> one `_bulk` per batch -> checkpoint, under a lease.

Delivery is at least once and every operation carries the aggregate's version as an external version, so
re-delivery (after a crash, a retry, a lease takeover) changes nothing and an older state never replaces a newer
one. The checkpoint advances only after Elasticsearch acknowledged the batch; then the applied position is also
recorded in Elasticsearch for readers waiting on a consistency token. See docs/sync.md.

The worker orchestrates; each part lives in a module of its own: the lease (`lease_keeper`), reading and
delivering batches (`pipeline`, `batches`, `delivery`), dead-lettering refused records (`settling`), recording
progress (`checkpointing`) and its stores' retries (`retrying_stores`).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from functools import partial

from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import START, OutboxPosition
from domain.storage import outbox_reading
from read_index.indices import ensure_indices
from sync.checkpointing import Checkpointer
from sync.delivery import Deliverer
from sync.lease_keeper import LeaseKeeper, default_owner
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.pipeline import Pipeline
from sync.retry import Backoff, Interrupted, sleep_or_halt
from sync.retrying_stores import RetryingStores
from sync.settling import BatchSettler
from sync.state_index import ensure_state_index
from sync.status import SyncStatus, read_status

log = logging.getLogger(__name__)


class SyncWorker:
    """Built once by the composition root; `run` until `stop` is set, or `run_until_caught_up` (tests, bench,
    `catalog sync --once`). Several workers may run against one deployment: one holds the lease, the others
    wait."""

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
        self._wake = asyncio.Event()
        self._prepared = False
        self._stores = RetryingStores(engine, self.options, self.metrics.retries)
        self._lease = LeaseKeeper(
            engine,
            self.options.subscription,
            self.owner,
            self.options.lease_seconds,
            outage=self._stores.database_outage,
            held_gauge=self.metrics.lease_held,
        )
        self._checkpointer = Checkpointer(self._stores, client, prefix, self.options, self.metrics)
        self._settler = BatchSettler(
            self._stores,
            client,
            prefix,
            self.options,
            self.metrics,
            on_dead_lettered=self._checkpointer.dead_letters_added,
        )
        self._deliverer = Deliverer(
            client,
            prefix,
            max_attempts=self.options.max_attempts,
            backoff_base=self.options.backoff_base_seconds,
            backoff_cap=self.options.backoff_cap_seconds,
            outage=self._stores.elasticsearch_outage,
            on_retry=self._stores.count_elasticsearch_retry,
            remembered_versions=self.options.remembered_versions,
        )

    @property
    def holds_lease(self) -> bool:
        return self._lease.held

    def wake(self) -> None:
        """New records were committed: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def status(self) -> SyncStatus:
        return await read_status(self._engine, self.options.subscription)

    async def run(self, stop: asyncio.Event) -> None:
        """Works until `stop` is set, then finishes the batch in flight, writes its checkpoint and releases the
        lease. While another worker holds the lease, this one stands by."""
        status_task = asyncio.create_task(
            self.metrics.observe_every(self.options.status_seconds, self.status, stop), name="sync-status"
        )
        try:
            await self._prepare(stop)
            failures = Backoff(self.options.backoff_base_seconds * 10, self.options.backoff_cap_seconds)
            while not stop.is_set():
                if not await self._lease.claim():
                    await sleep_or_halt(self._lease.renew_seconds, stop)
                    continue
                try:
                    await self._serve(stop, until=None)
                except Exception:  # a bug, or a failure no retry covers: keep the worker alive, loudly
                    delay = failures.next_delay()
                    log.exception("event=sync_failed owner=%s action=restarting in %.1f s", self.owner, delay)
                    await self._lease.release()
                    await sleep_or_halt(delay, stop)
        except Interrupted:
            pass
        finally:
            status_task.cancel()
            with suppress(asyncio.CancelledError):
                await status_task
            await self._lease.release()

    async def run_until_caught_up(self) -> OutboxPosition:
        """Applies every record committed before the call, then returns the checkpoint. Waits for the lease if
        another worker holds it, and on PostgreSQL for older transactions still open; bound it with
        `asyncio.timeout`."""
        never = asyncio.Event()
        await self._prepare(never)
        until = await self._stores.database(outbox_reading.head, never)
        try:
            while True:
                if not await self._lease.claim():
                    await sleep_or_halt(self._lease.renew_seconds, never)
                    continue
                reached = await self._serve(never, until=until)
                if reached >= until:
                    return reached
        finally:
            await self._lease.release()

    async def _serve(self, stop: asyncio.Event, until: OutboxPosition | None) -> OutboxPosition:
        """One tenure of the lease: from the resume position until `stop`, `until` or the lease is lost."""
        halt = asyncio.Event()
        linking = asyncio.create_task(_link(stop, halt), name="sync-stop")
        keeping = asyncio.create_task(self._lease.keep(halt), name="sync-lease")
        try:
            self._deliverer.acknowledged.forget()  # the index may have lost writes since: trust only new acks
            start = await self._checkpointer.resume_position(halt)
            log.info(
                "event=resuming subscription=%s owner=%s position=%s",
                self.options.subscription,
                self.owner,
                start.token(),
            )
            pipeline = Pipeline(
                self._engine,
                self._deliverer,
                self.options,
                db_outage=self._stores.database_outage,
                wake=self._wake,
                on_db_retry=self._stores.count_database_retry,
            )
            settle = partial(self._settler.settle, halt=halt)
            commit = partial(self._checkpointer.commit, halt=halt)
            return await pipeline.run(start, halt, until=until, settle=settle, commit=commit)
        except Interrupted:  # halted before the pipeline started
            return START
        finally:
            halt.set()
            linking.cancel()
            # The lease keeper ends by itself once halted (see `LeaseKeeper.keep`): never cancel it.
            await asyncio.gather(linking, keeping, return_exceptions=True)

    async def _prepare(self, halt: asyncio.Event) -> None:
        if self._prepared:
            return
        layout = self.options.index_layout
        await self._stores.elasticsearch(lambda: ensure_indices(self._client, self._prefix, layout), halt)
        await self._stores.elasticsearch(lambda: ensure_state_index(self._client, self._prefix, layout), halt)
        self._prepared = True


async def _link(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
