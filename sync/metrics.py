"""The worker's Prometheus metrics, registered on the registry the caller passes (no global side effects), and the
loop that keeps its backlog gauges current.

The API mounts its registry on `/metrics`; a standalone `catalog sync --metrics-port P` serves its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.outbox import OutboxPosition
from sync.retry import DATABASE_ERRORS, sleep_or_halt
from sync.status import SyncStatus

log = logging.getLogger(__name__)


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "catalog_sync_events", "Outbox records (those carrying state) delivered to Elasticsearch", registry=registry
        )
        self.operations = Counter(
            "catalog_sync_operations", "Index operations acknowledged by Elasticsearch", registry=registry
        )
        self.batches = Counter("catalog_sync_batches", "Batches delivered (one _bulk request each)", registry=registry)
        self.retries = Counter(
            "catalog_sync_retries", "Retries after a failure, by store", ["store"], registry=registry
        )
        self.dead_lettered = Counter(
            "catalog_sync_dead_lettered", "Outbox records this process moved to the dead letters", registry=registry
        )
        self.bulk_seconds = Histogram(
            "catalog_sync_bulk_seconds",
            "Time to deliver one batch, retries included",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        by_partition = ["partition"]
        self.checkpoint_txid = Gauge(
            "catalog_sync_checkpoint_txid", "Checkpoint: transaction id", by_partition, registry=registry
        )
        self.checkpoint_sequence = Gauge(
            "catalog_sync_checkpoint_sequence", "Checkpoint: outbox sequence", by_partition, registry=registry
        )
        self.head_sequence = Gauge("catalog_sync_head_sequence", "Last committed outbox sequence", registry=registry)
        self.events_behind = Gauge(
            "catalog_sync_events_behind", "Committed records not yet applied", by_partition, registry=registry
        )
        self.seconds_behind = Gauge(
            "catalog_sync_seconds_behind", "Age of the oldest record not yet applied", by_partition, registry=registry
        )
        self.dead_letters = Gauge("catalog_sync_dead_letters", "Unresolved dead letters", registry=registry)
        self.lease_held = Gauge(
            "catalog_sync_lease_held",
            "1 while this worker holds the partition's lease",
            by_partition,
            registry=registry,
        )

    def checkpointed(self, partition: int, position: OutboxPosition) -> None:
        self.checkpoint_txid.labels(str(partition)).set(position.txid)
        self.checkpoint_sequence.labels(str(partition)).set(position.sequence)

    def observe(self, status: SyncStatus) -> None:
        for part in status.partitions:
            self.checkpointed(part.partition, part.checkpoint)
            self.events_behind.labels(str(part.partition)).set(part.events_behind)
            self.seconds_behind.labels(str(part.partition)).set(part.seconds_behind)
        self.head_sequence.set(status.head.sequence)
        self.dead_letters.set(status.dead_letters)

    async def observe_every(
        self, seconds: float, read: Callable[[], Awaitable[SyncStatus]], stop: asyncio.Event
    ) -> None:
        """Recomputes the backlog gauges from `read()` every `seconds` until `stop` is set; a round the database
        does not answer is skipped."""
        while not stop.is_set():
            try:
                self.observe(await read())
            except DATABASE_ERRORS as error:
                log.debug("event=status_unavailable error=%r", error)
            await sleep_or_halt(seconds, stop)
