"""Checkpoints: per subscription, the outbox position up to which the sync worker has applied every record."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import START, OutboxPosition
from domain.storage.dialects import upsert
from domain.storage.tables import sync_checkpoints


async def load_checkpoint(connection: AsyncConnection, name: str) -> OutboxPosition:
    query = select(sync_checkpoints.c.txid, sync_checkpoints.c.sequence).where(sync_checkpoints.c.name == name)
    row = (await connection.execute(query)).first()
    return START if row is None else OutboxPosition(row.txid, row.sequence)


async def save_checkpoint(connection: AsyncConnection, name: str, position: OutboxPosition) -> None:
    """Advances the checkpoint to `position`; never moves it back (a stale worker's late write is ignored)."""
    values = {"name": name, "txid": position.txid, "sequence": position.sequence, "updated_at": datetime.now(UTC)}
    statement = upsert(connection, sync_checkpoints).values(values)
    current = tuple_(sync_checkpoints.c.txid, sync_checkpoints.c.sequence)
    statement = statement.on_conflict_do_update(
        index_elements=[sync_checkpoints.c.name],
        set_={
            "txid": statement.excluded.txid,
            "sequence": statement.excluded.sequence,
            "updated_at": values["updated_at"],
        },
        where=current < tuple_(statement.excluded.txid, statement.excluded.sequence),
    )
    await connection.execute(statement)


async def reset_checkpoint(connection: AsyncConnection, name: str, position: OutboxPosition = START) -> None:
    """Moves the checkpoint anywhere, backwards included (a replay); the next worker loop reads from there."""
    await connection.execute(delete(sync_checkpoints).where(sync_checkpoints.c.name == name))
    if position != START:
        await save_checkpoint(connection, name, position)
