"""Settling a delivered batch before its checkpoint can pass it: the records Elasticsearch refused for good, or
whose projection raised, go to the dead letters (with a log line each), and the batch is counted."""

from __future__ import annotations

import asyncio
import logging

from domain.outbox import OutboxRecord
from domain.storage import dead_letters
from sync.batches import Batch, sources
from sync.delivery import Delivered
from sync.metrics import SyncMetrics
from sync.options import SyncOptions
from sync.retrying_stores import RetryingStores

log = logging.getLogger(__name__)


class BatchSettler:
    def __init__(self, stores: RetryingStores, options: SyncOptions, metrics: SyncMetrics) -> None:
        self._stores = stores
        self._subscription = options.subscription
        self._max_attempts = options.max_attempts
        self._metrics = metrics

    async def settle(self, batch: Batch, delivered: Delivered, *, halt: asyncio.Event) -> None:
        failures: list[tuple[OutboxRecord, str, int]] = [(r, error, 1) for r, error in batch.unprojectable]
        for refused in delivered.refused:
            record = sources(refused.op, batch.records)
            if record is None:  # cannot happen with pure projections; never pass over it in silence
                log.error("event=refusal_without_record document=%s/%s", refused.op.read_model, refused.op.doc_id)
                continue
            failures.append((record, refused.error, self._max_attempts))
        if failures:
            name = self._subscription
            await self._stores.database(lambda c: dead_letters.add_dead_letters(c, name, failures), halt, write=True)
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
        self._metrics.events.inc(len(batch.records))
        self._metrics.operations.inc(delivered.applied)
        self._metrics.batches.inc()
        self._metrics.bulk_seconds.observe(delivered.seconds)
