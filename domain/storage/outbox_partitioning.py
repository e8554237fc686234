"""How many partitions the outbox is split into, and rewriting which partition each record is in.

The count lives in the database, not in each process's settings: every writer and every worker reads it at start,
so they cannot disagree (a writer with more partitions than the workers would put records where nobody reads).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import MAX_PARTITIONS, partition_of
from domain.storage.tables import dead_letters, outbox, outbox_partitioning

REWRITE_PAGE = 5_000


async def load_partitions(connection: AsyncConnection) -> int:
    """The outbox's partition count (1 where the table has no row)."""
    value = (await connection.execute(select(outbox_partitioning.c.partitions))).scalar()
    return 1 if value is None else int(value)


async def save_partitions(connection: AsyncConnection, partitions: int) -> None:
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise ValueError(f"the outbox has 1 to {MAX_PARTITIONS} partitions, not {partitions}")
    now = datetime.now(UTC)
    changed = await connection.execute(
        update(outbox_partitioning).where(outbox_partitioning.c.id == 1).values(partitions=partitions, updated_at=now)
    )
    if changed.rowcount == 0:
        await connection.execute(outbox_partitioning.insert().values(id=1, partitions=partitions, updated_at=now))


async def rewrite_partitions(connection: AsyncConnection, partitions: int) -> int:
    """Sets every outbox record's and dead letter's partition for `partitions` partitions, page by page; returns
    how many records moved. Records of one aggregate stay together, so each stays in order."""
    moved = await _rewrite(connection, outbox, outbox.c.sequence, partitions)
    await _rewrite(connection, dead_letters, dead_letters.c.id, partitions)
    return moved


async def _rewrite(connection: AsyncConnection, table: Table, key: Column[Any], partitions: int) -> int:
    moved, after = 0, -1
    statement = update(table).where(key == bindparam("key")).values(partition=bindparam("new_partition"))
    while True:
        query = (
            select(key, table.c.aggregate_type, table.c.aggregate_id, table.c.partition)
            .where(key > after)
            .order_by(key)
            .limit(REWRITE_PAGE)
        )
        rows = (await connection.execute(query)).all()
        if not rows:
            return moved
        changes = [
            {"key": row[0], "new_partition": wanted}
            for row in rows
            if (wanted := partition_of(row.aggregate_type, row.aggregate_id, partitions)) != row.partition
        ]
        if changes:
            await connection.execute(statement, changes)
        moved += len(changes)
        after = rows[-1][0]
