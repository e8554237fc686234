"""Where the worker stands: checkpoint, head, backlog, dead letters, lease. Read from the database alone, so
`catalog sync status` works as a health check even while Elasticsearch is down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.outbox import OutboxPosition
from domain.storage import dead_letters, outbox_reading, sync_checkpoints, sync_lease
from sync.options import SUBSCRIPTION


@dataclass(frozen=True, slots=True)
class SyncStatus:
    subscription: str
    checkpoint: OutboxPosition
    head: OutboxPosition
    events_behind: int
    seconds_behind: float
    """Age of the oldest committed record not yet applied; 0 when none is."""
    dead_letters: int
    """Unresolved ones."""
    lease_owner: str | None
    lease_expires_at: datetime | None

    def lagging(self, max_events: int | None = None, max_seconds: float | None = None) -> bool:
        return (max_events is not None and self.events_behind > max_events) or (
            max_seconds is not None and self.seconds_behind > max_seconds
        )


async def read_status(engine: AsyncEngine, subscription: str = SUBSCRIPTION) -> SyncStatus:
    async with engine.connect() as connection:
        checkpoint = await sync_checkpoints.load_checkpoint(connection, subscription)
        head = await outbox_reading.head(connection)
        backlog = await outbox_reading.backlog(connection, checkpoint)
        open_letters = await dead_letters.count_dead_letters(connection, subscription)
        lease = await sync_lease.read_lease(connection, subscription)
    oldest = backlog.oldest_occurred_at
    return SyncStatus(
        subscription=subscription,
        checkpoint=checkpoint,
        head=max(head, checkpoint),
        events_behind=backlog.events,
        seconds_behind=0.0 if oldest is None else max(0.0, (datetime.now(UTC) - oldest).total_seconds()),
        dead_letters=open_letters,
        lease_owner=None if lease is None else lease.owner,
        lease_expires_at=None if lease is None else lease.expires_at,
    )
