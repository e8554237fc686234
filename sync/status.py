"""Where the worker stands, per partition and in total: checkpoint, head, backlog, dead letters, lease. Read from
the database alone, so `catalog sync status` works as a health check even while Elasticsearch is down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.outbox import START, OutboxPosition
from domain.storage import dead_letters, outbox_partitioning, outbox_reading, sync_checkpoints, sync_lease
from sync.options import PARTITIONED_SUBSCRIPTIONS, SUBSCRIPTION


@dataclass(frozen=True, slots=True)
class PartitionStatus:
    partition: int
    checkpoint: OutboxPosition
    events_behind: int
    seconds_behind: float
    """Age of the partition's oldest committed record not yet applied; 0 when none is."""
    dead_letters: int
    lease_owner: str | None
    lease_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class SyncStatus:
    subscription: str
    checkpoint: OutboxPosition
    """The lowest partition checkpoint: every record at or below it is applied."""
    head: OutboxPosition
    events_behind: int
    seconds_behind: float
    """Age of the oldest committed record not yet applied, in any partition; 0 when none is."""
    dead_letters: int
    """Unresolved ones."""
    lease_owner: str | None
    """Partition 0's lease holder."""
    lease_expires_at: datetime | None
    partitions: tuple[PartitionStatus, ...] = ()

    def lagging(self, max_events: int | None = None, max_seconds: float | None = None) -> bool:
        """Whether any partition (hence the total) is behind by more than the thresholds."""
        return (max_events is not None and self.events_behind > max_events) or (
            max_seconds is not None and self.seconds_behind > max_seconds
        )


async def _partition_status(
    connection: AsyncConnection, subscription: str, partition: int, partitioned: bool
) -> PartitionStatus:
    checkpoint = await sync_checkpoints.load_checkpoint(connection, subscription, partition)
    backlog = await outbox_reading.backlog(connection, checkpoint, partition if partitioned else None)
    open_letters = await dead_letters.count_dead_letters(connection, subscription, partition)
    lease = await sync_lease.read_lease(connection, subscription, partition)
    oldest = backlog.oldest_occurred_at
    return PartitionStatus(
        partition=partition,
        checkpoint=checkpoint,
        events_behind=backlog.events,
        seconds_behind=0.0 if oldest is None else max(0.0, (datetime.now(UTC) - oldest).total_seconds()),
        dead_letters=open_letters,
        lease_owner=None if lease is None else lease.owner,
        lease_expires_at=None if lease is None else lease.expires_at,
    )


async def read_status(
    engine: AsyncEngine, subscription: str = SUBSCRIPTION, *, partitioned: bool | None = None
) -> SyncStatus:
    """The subscription's status; one partition (0, reading the whole outbox) unless it is partitioned (None:
    whether it is among `PARTITIONED_SUBSCRIPTIONS`)."""
    if partitioned is None:
        partitioned = subscription in PARTITIONED_SUBSCRIPTIONS
    async with engine.connect() as connection:
        count = await outbox_partitioning.load_partitions(connection) if partitioned else 1
        head = await outbox_reading.head(connection)
        parts = tuple([await _partition_status(connection, subscription, p, partitioned) for p in range(count)])
    checkpoint = min((part.checkpoint for part in parts), default=START)
    return SyncStatus(
        subscription=subscription,
        checkpoint=checkpoint,
        head=max(head, *(part.checkpoint for part in parts)),
        events_behind=sum(part.events_behind for part in parts),
        seconds_behind=max(part.seconds_behind for part in parts),
        dead_letters=sum(part.dead_letters for part in parts),
        lease_owner=parts[0].lease_owner,
        lease_expires_at=parts[0].lease_expires_at,
        partitions=parts,
    )
