"""Settling a delivered batch before its checkpoint can pass it: the records Elasticsearch refused for good (with
the older records of the same document the batch folded into the refused operation), or whose projection raised,
go to the dead letters (with a log line each) and are published for readers (`sync.published_dead_letters`);
the batch is counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from elasticsearch import AsyncElasticsearch

from domain.outbox import OutboxRecord
from domain.storage import dead_letters
from domain.storage.dead_letters import DeadLetter
from sync.batches import Batch, coalesced_into
from sync.delivery import Delivered
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.published_dead_letters import PublishedDeadLetter, publish
from sync.retrying_stores import RetryingStores

log = logging.getLogger(__name__)


class BatchSettler:
    """`on_dead_lettered` is told after letters were published (the applied position then recounts them)."""

    def __init__(
        self,
        stores: RetryingStores,
        client: AsyncElasticsearch,
        prefix: str,
        options: SyncOptions,
        metrics: SyncMetrics,
        *,
        on_dead_lettered: Callable[[], None],
        partition: int = 0,
    ) -> None:
        self._partition = partition
        self._stores = stores
        self._client = client
        self._prefix = prefix
        self._subscription = options.subscription
        self._max_attempts = options.max_attempts
        self._metrics = metrics
        self._on_dead_lettered = on_dead_lettered

    async def settle(self, batch: Batch, delivered: Delivered, *, halt: asyncio.Event) -> None:
        failures: list[tuple[OutboxRecord, str, int]] = [(r, error, 1) for r, error in batch.unprojectable]
        for refused in delivered.refused:
            records = coalesced_into(refused.op, batch.records)
            if not records:  # cannot happen with pure projections; never pass over it in silence
                log.error("event=refusal_without_record document=%s/%s", refused.op.read_model, refused.op.doc_id)
            failures += [(record, refused.error, self._max_attempts) for record in records]
        if failures:
            name, partition = self._subscription, self._partition
            added = await self._stores.database(
                lambda c: dead_letters.add_dead_letters(c, name, failures, partition), halt, write=True
            )
            published = [_published(letter) for letter in added]
            await self._stores.elasticsearch(lambda: publish(self._client, self._prefix, published), halt)
            self._on_dead_lettered()
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
            self._metrics.dead_lettered.inc(len(failures))
        if not batch.records:  # a batch that only moves the checkpoint to a horizon sent nothing
            return
        self._metrics.events.inc(len(batch.records))
        self._metrics.operations.inc(delivered.applied)
        self._metrics.batches.inc()
        self._metrics.bulk_seconds.observe(delivered.seconds)


def _published(letter: DeadLetter) -> PublishedDeadLetter:
    return PublishedDeadLetter(
        id=letter.id,
        subscription=letter.subscription,
        position=letter.position,
        aggregate_type=letter.aggregate_type,
        aggregate_id=letter.aggregate_id,
        aggregate_version=letter.aggregate_version,
        event_type=letter.event_type,
    )
