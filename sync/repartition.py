"""`catalog sync repartition`: changing how many partitions the outbox is split into, offline.

With writers and workers stopped and every partition caught up, one transaction rewrites each record's (and dead
letter's) partition for the new count, sets every new partition's checkpoint to the horizon (every record at or
below it is applied), drops the old checkpoints and leases, and stores the count. Then the applied positions in
Elasticsearch are written for the new partitions, so that a token read (older tokens wait on every partition)
is not held back and no worker replays. Refused, changing nothing, while a worker is alive or a partition is
behind. See docs/sync.md ("Changing the number of partitions").
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import AsyncElasticsearch, NotFoundError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.outbox import START, OutboxPosition
from domain.storage import (
    dead_letters,
    outbox_partitioning,
    outbox_reading,
    sync_checkpoints,
    sync_lease,
    sync_workers,
)
from sync.applied_position import AppliedPositionRecorder, applied_document_id, applied_states
from sync.options import SUBSCRIPTION
from sync.state_index import state_index


class RepartitionRefused(Exception):
    """The deployment is not ready to be repartitioned; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Repartitioned:
    before: int
    after: int
    position: OutboxPosition
    """Where every new partition's checkpoint now stands."""
    moved: int
    """Records whose partition changed."""


async def _refuse_unless_quiet(connection: AsyncConnection, subscription: str, partitions: int) -> OutboxPosition:
    """The horizon, if no worker is alive and every partition is caught up; else RepartitionRefused."""
    alive = await sync_workers.live_workers(connection, subscription)
    held = [
        lease
        for lease in (await sync_lease.read_leases(connection, subscription)).values()
        if lease.expires_at > datetime.now(UTC)
    ]
    if alive or held:
        owners = sorted({*alive, *(lease.owner for lease in held)})
        raise RepartitionRefused(f"stop every sync worker first (catalog serve's too): {', '.join(owners)} alive")
    horizon = await outbox_reading.horizon(connection)
    if await outbox_reading.head(connection) > horizon:
        raise RepartitionRefused("a write is still in flight: stop every writer first, and let it end")
    checkpoints = await sync_checkpoints.load_checkpoints(connection, subscription)
    for partition in range(partitions):
        behind = await outbox_reading.backlog(connection, checkpoints.get(partition, START), partition)
        if behind.events:
            raise RepartitionRefused(
                f"partition {partition} is {behind.events} events behind: let the workers catch up first "
                "(catalog sync --once), then stop them"
            )
    return horizon


async def repartition(
    engine: AsyncEngine,
    client: AsyncElasticsearch,
    prefix: str,
    partitions: int,
    subscription: str = SUBSCRIPTION,
) -> Repartitioned:
    async with engine.begin() as connection:
        before = await outbox_partitioning.load_partitions(connection)
        position = await _refuse_unless_quiet(connection, subscription, before)
        moved = await outbox_partitioning.rewrite_partitions(connection, partitions)
        await sync_checkpoints.drop_checkpoints(connection, subscription)
        for partition in range(partitions):
            await sync_checkpoints.save_checkpoint(connection, subscription, position, partition)
        await sync_lease.drop_leases(connection, subscription)
        await outbox_partitioning.save_partitions(connection, partitions)
    await _record_applied(engine, client, prefix, subscription, before, partitions, position)
    return Repartitioned(before, partitions, position, moved)


async def _record_applied(  # noqa: PLR0917 (one step of the procedure, with what it needs)
    engine: AsyncEngine,
    client: AsyncElasticsearch,
    prefix: str,
    subscription: str,
    before: int,
    after: int,
    position: OutboxPosition,
) -> None:
    """Every new partition applied what every old one had (at most the horizon): all of it, once caught up."""
    recorded = await applied_states(client, prefix, range(before), subscription)
    applied = min(position, *(state.position for state in recorded.values()))
    for partition in range(after):

        async def count(partition: int = partition) -> int:
            async with engine.connect() as connection:
                return await dead_letters.count_dead_letters(connection, subscription, partition)

        await AppliedPositionRecorder(client, prefix, subscription, partition).record(applied, count)
    for partition in range(after, before):
        with suppress(NotFoundError):
            await client.delete(index=state_index(prefix), id=applied_document_id(subscription, partition))
