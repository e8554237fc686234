"""Rebuilds read models into fresh indices while the live worker keeps the current ones up to date, then swaps
the aliases atomically. No change is lost at the swap; see docs/sync.md ("Rebuilding an index") for why.

1. Note the outbox *horizon* H0: every record at or below it is committed and visible, and every transaction
   still running or yet to come writes above it.
2. Copy the write model's tables into new indices, page by page (keyset pagination by id: memory stays flat).
   Each row is its aggregate's current state, projected exactly as the outbox's state would be.
3. Replay the outbox from H0 up to its head into the new indices: every change committed during the copy.
4. Swap each alias to its new index, atomically (one `_aliases` request per read model).
5. Replay again, from where step 3 stopped up to the head after the swap: changes the live worker applied to the
   old index between step 3 and the swap. From the swap on, the live worker writes to the new index.
6. Ask Elasticsearch to merge each new index down to one segment per shard, in the background
   (`read_index.segments`; `merge=False` leaves the segments as the bulk load left them).

External versioning makes the copy and both replays commute with the live worker's writes: whoever delivers
last, each document ends at its aggregate's highest version.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from functools import partial
from typing import TypeVar

from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.outbox import OutboxPosition
from domain.storage import aggregate_pages, outbox_reading, schema_revision
from domain.storage.aggregate_pages import AggregateState
from read_index.indices import (
    READ_MODELS,
    create_fresh_index,
    ensure_indices,
    fresh_index_name,
    index_settings,
    swap_alias,
)
from read_index.segments import start_merge
from sync.batches import Batch
from sync.delivery import Delivered, Deliverer
from sync.options import SyncOptions
from sync.pipeline import Applied, Pipeline
from sync.read_model_sources import SOURCES, snapshot_ops
from sync.rebuild_report import Progress, RebuildProgress, RebuildReport, RebuiltIndex
from sync.retrying_stores import RetryingStores

log = logging.getLogger(__name__)

T = TypeVar("T")

COPY = "copy"
# While the copy runs nothing reads the new index and a crash means starting the rebuild again: no refreshes, no
# replicas (each document is indexed once; the replicas copy the finished segments), and the translog synced in
# the background rather than on every bulk. All three are restored before the replay.
_BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "translog.durability": "async", "number_of_replicas": 0}
# How long the swap waits for the new indices' replicas to be assigned and copied (green); past it, a degraded
# cluster (a node down) swaps with what it has rather than not at all, and logs it.
REPLICAS_WAIT = "60s"
REPLAY = "replay"
REPLAY_AFTER_SWAP = "replay after swap"


class Rebuild:
    def __init__(
        self,
        engine: AsyncEngine,
        client: AsyncElasticsearch,
        prefix: str,
        read_models: Sequence[str] = READ_MODELS,
        *,
        options: SyncOptions | None = None,
        keep_old: bool = False,
        merge: bool = True,
        on_progress: Progress | None = None,
        before_swap: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`before_swap` runs just before the aliases swap (tests commit writes at that worst moment)."""
        unknown = set(read_models) - set(SOURCES)
        if unknown:
            raise ValueError(f"no read model {', '.join(sorted(unknown))}; choose among {', '.join(SOURCES)}")
        self._engine = engine
        self._client = client
        self._prefix = prefix
        self._models = list(dict.fromkeys(read_models))
        self._options = options or SyncOptions()
        self._keep_old = keep_old
        self._merge = merge
        self._on_progress = on_progress
        self._before_swap = before_swap
        self._halt = asyncio.Event()  # never set: a rebuild waits out outages, bounded by the options
        self._stores = RetryingStores(engine, self._options)
        self.report = RebuildReport()

    async def run(self) -> RebuildReport:
        await self._database(schema_revision.check_schema)  # SchemaMismatch (not retried) on a schema behind
        layout = self._options.index_layout
        await self._elasticsearch(lambda: ensure_indices(self._client, self._prefix, layout))
        start = await self._database(outbox_reading.horizon)
        self.report.start = start
        targets: dict[str, str] = {}
        try:
            for model in self._models:
                targets[model] = fresh_index_name(self._prefix, model)
            # Together: each creation waits for a cluster-state update and its shards to start (docs/performance.md,
            # finding 28). All of them end before a failure is raised, so the discard below finds what was made.
            created = await asyncio.gather(*(
                self._elasticsearch(partial(create_fresh_index, self._client, self._prefix, model, layout, name=name))
                for model, name in targets.items()
            ), return_exceptions=True)  # fmt: skip
            if failures := [outcome for outcome in created if isinstance(outcome, BaseException)]:
                raise failures[0]
            log.info("event=rebuild_started read_models=%s horizon=%s", ",".join(self._models), start.token())
            deliverer = self._deliverer(targets)
            copied = {model: await self._copy(model, targets[model], deliverer) for model in self._models}
            replayed_to = await self._replay(start, deliverer, REPLAY)
            await self._elasticsearch(lambda: self._client.indices.refresh(index=",".join(targets.values())))
            await self._elasticsearch(lambda: self._wait_for_replicas(targets.values()))
            if self._before_swap is not None:
                await self._before_swap()
        except BaseException:
            await self._discard(list(targets.values()))
            raise
        previous = {}
        for model, index in targets.items():
            previous[model] = await self._elasticsearch(partial(swap_alias, self._client, self._prefix, model, index))
        log.info("event=aliases_swapped indices=%s", ",".join(targets.values()))
        self.report.end = await self._replay(replayed_to, deliverer, REPLAY_AFTER_SWAP)
        merged_to = {model: await self._start_merge(index) for model, index in targets.items()}
        self.report.indices = [RebuiltIndex(m, targets[m], previous[m], copied[m], merged_to[m]) for m in self._models]
        old = [index for index in previous.values() if index is not None]
        if old and not self._keep_old:
            lenient = self._client.options(ignore_status=404)
            await self._elasticsearch(lambda: lenient.indices.delete(index=",".join(old)))
        log.info(
            "event=rebuild_finished replayed=%d refused=%d position=%s",
            self.report.replayed,
            self.report.refused,
            self.report.end.token(),
        )
        return self.report

    async def _elasticsearch(self, call: Callable[[], Awaitable[T]]) -> T:
        return await self._stores.elasticsearch(call, self._halt)

    async def _database(self, call: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        return await self._stores.database(call, self._halt)

    async def _start_merge(self, index: str) -> int | None:
        if not self._merge:
            return None
        segments = await self._elasticsearch(partial(start_merge, self._client, index))
        log.info("event=merge_started index=%s segments_per_shard=%d", index, segments)
        return segments

    async def _discard(self, indices: list[str]) -> None:
        """The new indices of a rebuild that stopped before the swap, if Elasticsearch lets us (nothing reads
        them; a new rebuild makes new ones)."""
        if indices:
            with suppress(Exception):
                quick = self._client.options(request_timeout=5, max_retries=0)
                await quick.indices.delete(index=",".join(indices), ignore_unavailable=True)

    def _deliverer(self, targets: dict[str, str]) -> Deliverer:
        return Deliverer(
            self._client,
            self._prefix,
            max_attempts=self._options.max_attempts,
            backoff_base=self._options.backoff_base_seconds,
            backoff_cap=self._options.backoff_cap_seconds,
            outage=self._stores.elasticsearch_outage,
            indices=targets,
            remembered_versions=0,  # memory stays flat whatever the catalog's size; 409s cost the replay little
        )

    async def _copy(self, model: str, index: str, deliverer: Deliverer) -> int:
        """Streams the model's source table into `index`, page by page: while up to `bulks_in_flight` bulks are
        in flight, the next page is read and made into documents. At most a few pages are held at any time."""
        source = SOURCES[model]
        total = await self._database(lambda connection: aggregate_pages.count_aggregates(connection, source))
        await self._elasticsearch(lambda: self._client.indices.put_settings(index=index, settings=_BULK_LOAD_SETTINGS))
        done = 0
        self._progress(COPY, model, done, total)
        window: deque[tuple[int, asyncio.Task[Delivered]]] = deque()
        reading = asyncio.create_task(self._page(source, None))
        try:
            while page := await reading:
                reading = asyncio.create_task(self._page(source, page[-1].aggregate_id))
                ops = [
                    op for aggregate in page for op in snapshot_ops(aggregate, encoded=True) if op.read_model == model
                ]
                if len(window) >= self._options.bulks_in_flight:
                    done += await self._settle_copy(window.popleft())
                    self._progress(COPY, model, done, max(total, done))
                window.append((len(page), asyncio.create_task(deliverer.deliver(ops, self._halt))))
            while window:
                done += await self._settle_copy(window.popleft())
                self._progress(COPY, model, done, max(total, done))
        finally:
            for _, delivery in window:
                delivery.cancel()
            reading.cancel()
            await asyncio.gather(reading, *(delivery for _, delivery in window), return_exceptions=True)
        live = index_settings(model, self._options.index_layout)
        settings = {
            **{key: live[key] for key in ("refresh_interval", "number_of_replicas")},
            "translog.durability": "request",
        }
        await self._elasticsearch(lambda: self._client.indices.put_settings(index=index, settings=settings))
        return done

    async def _wait_for_replicas(self, indices: Iterable[str]) -> None:
        health = await self._client.options(ignore_status=408).cluster.health(
            index=",".join(indices), wait_for_status="green", timeout=REPLICAS_WAIT
        )
        if health.get("timed_out"):
            log.warning(
                "event=rebuild_swaps_without_every_replica status=%s unassigned_shards=%s",
                health.get("status"),
                health.get("unassigned_shards"),
            )

    async def _settle_copy(self, sent: tuple[int, asyncio.Task[Delivered]]) -> int:
        count, delivery = sent
        self._count_refused(await delivery)
        return count

    async def _page(self, source: str, after: str | None) -> list[AggregateState]:
        size = self._options.batch_size
        return await self._database(lambda connection: aggregate_pages.read_states(connection, source, after, size))

    async def _replay(self, start: OutboxPosition, deliverer: Deliverer, phase: str) -> OutboxPosition:
        """Applies outbox records after `start`, for the rebuilt models only, up to the head as of now."""
        until = await self._database(outbox_reading.head)
        total = (await self._database(lambda connection: outbox_reading.backlog(connection, start))).events
        pipeline = Pipeline(
            self._engine, deliverer, self._options, db_outage=self._stores.database_outage, models=self._models
        )
        done = 0
        self._progress(phase, None, done, total)

        async def settle(batch: Batch, delivered: Delivered) -> None:
            nonlocal done
            self._count_refused(delivered)
            done += len(batch.records)
            self.report.replayed += len(batch.records)
            self._progress(phase, None, done, max(total, done))

        async def commit(applied: list[Applied], final: bool) -> None:
            return None

        return await pipeline.run(start, self._halt, until=until, settle=settle, commit=commit)

    def _count_refused(self, delivered: Delivered) -> None:
        for refused in delivered.refused:
            log.error(
                "event=rebuild_refused document=%s/%s error=%r", refused.op.read_model, refused.op.doc_id, refused.error
            )
        self.report.refused += len(delivered.refused)

    def _progress(self, phase: str, model: str | None, done: int, total: int) -> None:
        if self._on_progress is not None:
            self._on_progress(RebuildProgress(phase, model, done, total))


async def rebuild(
    engine: AsyncEngine,
    client: AsyncElasticsearch,
    prefix: str,
    read_models: Sequence[str] = READ_MODELS,
    *,
    options: SyncOptions | None = None,
    keep_old: bool = False,
    merge: bool = True,
    on_progress: Progress | None = None,
    before_swap: Callable[[], Awaitable[None]] | None = None,
) -> RebuildReport:
    """See the module's docstring."""
    return await Rebuild(
        engine,
        client,
        prefix,
        read_models,
        options=options,
        keep_old=keep_old,
        merge=merge,
        on_progress=on_progress,
        before_swap=before_swap,
    ).run()
