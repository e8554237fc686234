"""Where the live worker resumes a partition, and how it records progress once Elasticsearch acknowledged a batch: the
checkpoint in the database first, then (with `searchable`) a refresh of the touched indices, then the applied
position in Elasticsearch that readers holding a consistency token wait on. See docs/sync.md."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from elasticsearch import AsyncElasticsearch

from domain.outbox import OutboxPosition
from domain.storage import dead_letters, sync_checkpoints
from read_index.indices import alias_name
from sync.applied_position import AppliedPositionRecorder, applied_position
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.pipeline import Applied
from sync.retrying_stores import RetryingStores

log = logging.getLogger(__name__)

REFRESH_EVERY_SECONDS = 1.0


class Checkpointer:
    def __init__(
        self,
        stores: RetryingStores,
        client: AsyncElasticsearch,
        prefix: str,
        options: SyncOptions,
        metrics: SyncMetrics,
        *,
        partition: int = 0,
    ) -> None:
        self._stores = stores
        self._client = client
        self._prefix = prefix
        self._subscription = options.subscription
        self._partition = partition
        self._searchable = options.searchable
        self._metrics = metrics
        self._recorder = AppliedPositionRecorder(client, prefix, options.subscription, partition)
        self._unrefreshed: set[str] = set()
        self._last_refresh = 0.0
        self._recount_due = False

    def dead_letters_added(self) -> None:
        """Dead letters were published: the next applied position recorded carries their new count."""
        self._recount_due = True

    async def resume_position(self, halt: asyncio.Event) -> OutboxPosition:
        """The lower of the database checkpoint and the position recorded in Elasticsearch: if the index lost
        writes (restored, recreated, wiped), the worker replays them instead of trusting the checkpoint."""
        name, partition = self._subscription, self._partition
        checkpoint = await self._stores.database(lambda c: sync_checkpoints.load_checkpoint(c, name, partition), halt)
        recorded = await self._stores.elasticsearch(
            lambda: applied_position(self._client, self._prefix, name, partition), halt
        )
        if recorded < checkpoint:
            log.warning(
                "event=resuming_behind_checkpoint partition=%d checkpoint=%s index_position=%s reason=%s",
                partition,
                checkpoint.token(),
                recorded.token(),
                "the index records less than the checkpoint (lost writes, or a crash between the two); replaying",
            )
        return min(checkpoint, recorded)

    async def commit(self, applied: list[Applied], final: bool, *, halt: asyncio.Event) -> None:
        """Records the last of `applied` as done. Once halted, each write is still tried once: the last
        checkpoint on the way out."""
        end = applied[-1].end
        name, partition = self._subscription, self._partition
        await self._stores.database(
            lambda c: sync_checkpoints.save_checkpoint(c, name, end, partition), halt, write=True
        )
        self._metrics.checkpointed(partition, end)
        for item in applied:
            self._unrefreshed |= item.models
        if self._searchable:
            due = final or applied[-1].tail or time.monotonic() - self._last_refresh >= REFRESH_EVERY_SECONDS
            if not due:
                return
            if self._unrefreshed:
                indices = ",".join(alias_name(self._prefix, model) for model in sorted(self._unrefreshed))
                await self._stores.elasticsearch(lambda: self._client.indices.refresh(index=indices), halt)
            self._unrefreshed.clear()
            self._last_refresh = time.monotonic()
        recount = partial(self._count_dead_letters, halt) if self._recount_due else None
        await self._stores.elasticsearch(lambda: self._recorder.record(end, recount), halt)
        if recount is not None:
            self._recount_due = False

    async def _count_dead_letters(self, halt: asyncio.Event) -> int:
        name, partition = self._subscription, self._partition
        return await self._stores.database(lambda c: dead_letters.count_dead_letters(c, name, partition), halt)
