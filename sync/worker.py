"""The sync worker: outbox -> projections -> one `_bulk` per batch -> checkpoint, under a lease.

Delivery is at least once and every operation carries the aggregate's version as an external version, so
re-delivery (after a crash, a retry, a lease takeover) changes nothing and an older state never replaces a newer
one. The checkpoint advances only after Elasticsearch acknowledged the batch; then the applied position is also
recorded in Elasticsearch for readers waiting on a consistency token. See docs/sync.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TypeVar

from elasticsearch import AsyncElasticsearch
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.outbox import START, OutboxPosition, OutboxRecord
from domain.storage import dead_letters, outbox_reading, sync_checkpoints, sync_lease
from read_index.indices import alias_name, ensure_indices
from sync.applied_position import AppliedPositionRecorder, applied_position, ensure_state_index
from sync.batches import Batch, sources
from sync.delivery import Delivered, Deliverer
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.pipeline import Applied, Pipeline
from sync.retry import DATABASE_ERRORS, ELASTICSEARCH_ERRORS, Backoff, Interrupted, Outage, pause, retrying
from sync.status import SyncStatus, read_status

log = logging.getLogger(__name__)

T = TypeVar("T")
REFRESH_EVERY_SECONDS = 1.0


def default_owner() -> str:
    """host:pid:random, unique per worker even when several run on one host or in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
        self._db_outage = Outage("database")
        self._es_outage = Outage("elasticsearch")
        self._recorder = AppliedPositionRecorder(client, prefix, self.options.subscription)
        self._prepared = False
        self._holds_lease = False
        self._standby_logged = False
        self._unrefreshed: set[str] = set()
        self._last_refresh = 0.0
        self._halt = asyncio.Event()
        self._deliverer = Deliverer(
            client,
            prefix,
            max_attempts=self.options.max_attempts,
            backoff_base=self.options.backoff_base_seconds,
            backoff_cap=self.options.backoff_cap_seconds,
            outage=self._es_outage,
            on_retry=self.metrics.retries.labels("elasticsearch").inc,
            remembered_versions=self.options.remembered_versions,
        )

    @property
    def holds_lease(self) -> bool:
        return self._holds_lease

    def wake(self) -> None:
        """New records were committed: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def status(self) -> SyncStatus:
        return await read_status(self._engine, self.options.subscription)

    async def run(self, stop: asyncio.Event) -> None:
        """Works until `stop` is set, then finishes the batch in flight, writes its checkpoint and releases the
        lease. While another worker holds the lease, this one stands by."""
        status_task = asyncio.create_task(self._watch_status(stop), name="sync-status")
        try:
            await self._prepare(stop)
            failures = Backoff(self.options.backoff_base_seconds * 10, self.options.backoff_cap_seconds)
            while not stop.is_set():
                if not await self._claim():
                    await _wait(stop, self.options.lease_seconds / 3)
                    continue
                try:
                    await self._serve(stop, until=None)
                except Exception:  # a bug, or a failure no retry covers: keep the worker alive, loudly
                    delay = failures.next_delay()
                    log.exception("event=sync_failed owner=%s action=restarting in %.1f s", self.owner, delay)
                    await self._release()
                    await _wait(stop, delay)
        except Interrupted:
            pass
        finally:
            status_task.cancel()
            with suppress(asyncio.CancelledError):
                await status_task
            await self._release()

    async def run_until_caught_up(self) -> OutboxPosition:
        """Applies every record committed before the call, then returns the checkpoint. Waits for the lease if
        another worker holds it, and on PostgreSQL for older transactions still open; bound it with
        `asyncio.timeout`."""
        never = asyncio.Event()
        await self._prepare(never)
        until = await self._database(outbox_reading.head, never)
        try:
            while True:
                if not await self._claim():
                    await _wait(never, self.options.lease_seconds / 3)
                    continue
                reached = await self._serve(never, until=until)
                if reached >= until:
                    return reached
        finally:
            await self._release()

    # --- one tenure of the lease ----------------------------------------------------------------------------

    async def _serve(self, stop: asyncio.Event, until: OutboxPosition | None) -> OutboxPosition:
        halt = self._halt = asyncio.Event()
        linking = asyncio.create_task(_link(stop, halt), name="sync-stop")
        keeping = asyncio.create_task(self._keep_lease(halt), name="sync-lease")
        try:
            self._deliverer.acknowledged.forget()  # the index may have lost writes since: trust only new acks
            start = await self._start_position(halt)
            pipeline = Pipeline(
                self._engine,
                self._deliverer,
                self.options,
                db_outage=self._db_outage,
                wake=self._wake,
                on_db_retry=self.metrics.retries.labels("database").inc,
            )
            return await pipeline.run(start, halt, until=until, settle=self._settle, commit=self._commit)
        except Interrupted:  # halted before the pipeline started
            return START
        finally:
            halt.set()
            linking.cancel()
            # The lease keeper ends by itself once halted. Cancelled inside its transaction, it could leave the
            # connection behind mid-write, and on SQLite that connection keeps the write lock.
            await asyncio.gather(linking, keeping, return_exceptions=True)

    async def _start_position(self, halt: asyncio.Event) -> OutboxPosition:
        """The lower of the database checkpoint and the position recorded in Elasticsearch: if the index lost
        writes (restored, recreated, wiped), the worker replays them instead of trusting the checkpoint."""
        name = self.options.subscription
        checkpoint = await self._database(lambda c: sync_checkpoints.load_checkpoint(c, name), halt)
        recorded = await self._elasticsearch(lambda: applied_position(self._client, self._prefix, name), halt)
        if recorded < checkpoint:
            log.warning(
                "event=resuming_behind_checkpoint checkpoint=%s index_position=%s reason=%s",
                checkpoint.token(),
                recorded.token(),
                "the index records less than the checkpoint (lost writes, or a crash between the two); replaying",
            )
        start = min(checkpoint, recorded)
        log.info("event=resuming subscription=%s owner=%s position=%s", name, self.owner, start.token())
        return start

    async def _settle(self, batch: Batch, delivered: Delivered) -> None:
        """Before a batch's checkpoint can pass them, refused records go to the dead letters."""
        failures: list[tuple[OutboxRecord, str, int]] = [(r, error, 1) for r, error in batch.unprojectable]
        for refused in delivered.refused:
            record = sources(refused.op, batch.records)
            if record is None:  # cannot happen with pure projections; never pass over it in silence
                log.error("event=refusal_without_record document=%s/%s", refused.op.read_model, refused.op.doc_id)
                continue
            failures.append((record, refused.error, self.options.max_attempts))
        if failures:
            name = self.options.subscription
            await self._database(lambda c: dead_letters.add_dead_letters(c, name, failures), self._halt, write=True)
            for record, error, attempts in failures:
                log.error(
                    "event=dead_lettered position=%s aggregate=%s/%s version=%d attempts=%d error=%r",
                    record.position.token(),
                    record.aggregate_type,
                    record.aggregate_id,
                    record.aggregate_version,
                    attempts,
                    error[:300],
                )
            self.metrics.dead_lettered.inc(len(failures))
        self.metrics.events.inc(len(batch.records))
        self.metrics.operations.inc(delivered.applied)
        self.metrics.batches.inc()
        self.metrics.bulk_seconds.observe(delivered.seconds)

    async def _commit(self, applied: list[Applied], final: bool) -> None:
        end = applied[-1].end
        name = self.options.subscription
        halt = self._halt  # once halted, each write is still tried once: the last checkpoint on the way out
        await self._database(lambda c: sync_checkpoints.save_checkpoint(c, name, end), halt, write=True)
        self.metrics.checkpointed(end)
        for item in applied:
            self._unrefreshed |= item.models
        if self.options.searchable:
            due = final or applied[-1].tail or time.monotonic() - self._last_refresh >= REFRESH_EVERY_SECONDS
            if not due:
                return
            if self._unrefreshed:
                indices = ",".join(alias_name(self._prefix, model) for model in sorted(self._unrefreshed))
                await self._elasticsearch(lambda: self._client.indices.refresh(index=indices), halt)
            self._unrefreshed.clear()
            self._last_refresh = time.monotonic()
        await self._record_applied(end, halt)

    async def _record_applied(self, position: OutboxPosition, halt: asyncio.Event) -> None:
        await self._elasticsearch(lambda: self._recorder.record(position), halt)

    # --- the lease -----------------------------------------------------------------------------------------

    async def _claim(self) -> bool:
        ttl = timedelta(seconds=self.options.lease_seconds)
        name = self.options.subscription
        try:
            async with self._engine.begin() as connection:
                held = await sync_lease.claim_lease(connection, name, self.owner, ttl)
                holder = None if held else await sync_lease.read_lease(connection, name)
        except DATABASE_ERRORS as error:
            self._db_outage.failed(error)
            held, holder = False, None
        else:
            self._db_outage.recovered()
        if held and not self._holds_lease:
            log.info("event=lease_acquired subscription=%s owner=%s", name, self.owner)
            self._standby_logged = False
        if not held and holder is not None and not self._standby_logged:
            log.info("event=standing_by subscription=%s owner=%s holder=%s", name, self.owner, holder.owner)
            self._standby_logged = True
        self._set_lease(held)
        return held

    async def _keep_lease(self, halt: asyncio.Event) -> None:
        while not halt.is_set():
            await _wait(halt, self.options.lease_seconds / 3)
            if halt.is_set():
                return
            ttl = timedelta(seconds=self.options.lease_seconds)
            try:
                async with self._engine.begin() as connection:
                    held = await sync_lease.claim_lease(connection, self.options.subscription, self.owner, ttl)
            except DATABASE_ERRORS as error:
                self._db_outage.failed(error)
                continue
            if not held:
                log.warning("event=lease_lost subscription=%s owner=%s", self.options.subscription, self.owner)
                self._set_lease(False)
                halt.set()

    async def _release(self) -> None:
        if not self._holds_lease:
            return
        self._set_lease(False)
        with suppress(*DATABASE_ERRORS):
            async with self._engine.begin() as connection:
                await sync_lease.release_lease(connection, self.options.subscription, self.owner)
            log.info("event=lease_released subscription=%s owner=%s", self.options.subscription, self.owner)

    def _set_lease(self, held: bool) -> None:
        self._holds_lease = held
        self.metrics.lease_held.set(1 if held else 0)

    # --- stores, with retries ------------------------------------------------------------------------------

    async def _prepare(self, halt: asyncio.Event) -> None:
        if self._prepared:
            return

        await self._elasticsearch(lambda: ensure_indices(self._client, self._prefix), halt)
        await self._elasticsearch(lambda: ensure_state_index(self._client, self._prefix), halt)
        self._prepared = True

    async def _database(
        self, call: Callable[[AsyncConnection], Awaitable[T]], halt: asyncio.Event, *, write: bool = False
    ) -> T:
        async def once() -> T:
            if write:
                async with self._engine.begin() as connection:
                    return await call(connection)
            async with self._engine.connect() as connection:
                return await call(connection)

        return await retrying(
            once,
            errors=DATABASE_ERRORS,
            outage=self._db_outage,
            halt=halt,
            base=self.options.backoff_base_seconds,
            cap=self.options.backoff_cap_seconds,
            on_retry=self.metrics.retries.labels("database").inc,
        )

    async def _elasticsearch(self, call: Callable[[], Awaitable[T]], halt: asyncio.Event) -> T:
        return await retrying(
            call,
            errors=ELASTICSEARCH_ERRORS,
            outage=self._es_outage,
            halt=halt,
            base=self.options.backoff_base_seconds,
            cap=self.options.backoff_cap_seconds,
            on_retry=self.metrics.retries.labels("elasticsearch").inc,
        )

    async def _watch_status(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.metrics.observe(await self.status())
            except DATABASE_ERRORS as error:
                log.debug("event=status_unavailable error=%r", error)
            await _wait(stop, self.options.status_seconds)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with suppress(Interrupted):
        await pause(seconds, event)


async def _link(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
