"""Checkpoints: per subscription and partition, the outbox position up to which the sync worker has applied every
record of the partition."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import START, OutboxPosition
from domain.storage.dialects import upsert
from domain.storage.tables import sync_checkpoints


async def load_checkpoint(connection: AsyncConnection, name: str, partition: int = 0) -> OutboxPosition:
    query = select(sync_checkpoints.c.txid, sync_checkpoints.c.sequence).where(
        sync_checkpoints.c.name == name, sync_checkpoints.c.partition == partition
    )
    row = (await connection.execute(query)).first()
    return START if row is None else OutboxPosition(row.txid, row.sequence)


async def load_checkpoints(connection: AsyncConnection, name: str) -> dict[int, OutboxPosition]:
    """Every partition's checkpoint of the subscription that has one."""
    query = select(sync_checkpoints.c.partition, sync_checkpoints.c.txid, sync_checkpoints.c.sequence).where(
        sync_checkpoints.c.name == name
    )
    return {row.partition: OutboxPosition(row.txid, row.sequence) for row in await connection.execute(query)}


async def save_checkpoint(connection: AsyncConnection, name: str, position: OutboxPosition, partition: int = 0) -> None:
    """Advances the checkpoint to `position`; never moves it back (a stale worker's late write is ignored)."""
    now = datetime.now(UTC)
    values = {"name": name, "partition": partition, "txid": position.txid, "sequence": position.sequence}
    statement = upsert(connection, sync_checkpoints).values(**values, updated_at=now)
    current = tuple_(sync_checkpoints.c.txid, sync_checkpoints.c.sequence)
    statement = statement.on_conflict_do_update(
        index_elements=[sync_checkpoints.c.name, sync_checkpoints.c.partition],
        set_={"txid": statement.excluded.txid, "sequence": statement.excluded.sequence, "updated_at": now},
        where=current < tuple_(statement.excluded.txid, statement.excluded.sequence),
    )
    await connection.execute(statement)


async def reset_checkpoint(
    connection: AsyncConnection, name: str, position: OutboxPosition = START, partition: int = 0
) -> None:
    """Moves the checkpoint anywhere, backwards included (a replay); the next worker loop reads from there."""
    await connection.execute(
        delete(sync_checkpoints).where(sync_checkpoints.c.name == name, sync_checkpoints.c.partition == partition)
    )
    if position != START:
        await save_checkpoint(connection, name, position, partition)


async def drop_checkpoints(connection: AsyncConnection, name: str) -> None:
    """Forgets every partition's checkpoint of the subscription (a repartition writes them anew)."""
    await connection.execute(delete(sync_checkpoints).where(sync_checkpoints.c.name == name))
