"""The live workers of a subscription: each renews its row (like a lease) while it runs, so every worker can tell
how many share the partitions, hence its fair share. A worker killed without a word drops out at its row's
expiry; one that stops gracefully deletes its row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage.dialects import upsert
from domain.storage.sync_lease import lease_clock
from domain.storage.tables import sync_workers


async def announce(connection: AsyncConnection, subscription: str, owner: str, ttl: timedelta) -> int:
    """Renews this worker's row for `ttl`, drops the rows that expired, and returns how many workers are alive
    (this one included)."""
    now, expires_at = lease_clock(connection, ttl)
    statement = upsert(connection, sync_workers).values(subscription=subscription, owner=owner, expires_at=expires_at)
    statement = statement.on_conflict_do_update(
        index_elements=[sync_workers.c.subscription, sync_workers.c.owner],
        set_={"expires_at": statement.excluded.expires_at},
    )
    await connection.execute(statement)
    await connection.execute(
        delete(sync_workers).where(sync_workers.c.subscription == subscription, sync_workers.c.expires_at < now)
    )
    count = select(func.count()).select_from(sync_workers).where(sync_workers.c.subscription == subscription)
    return int((await connection.execute(count)).scalar_one())


async def withdraw(connection: AsyncConnection, subscription: str, owner: str) -> None:
    await connection.execute(
        delete(sync_workers).where(sync_workers.c.subscription == subscription, sync_workers.c.owner == owner)
    )


async def live_workers(connection: AsyncConnection, subscription: str, ttl: timedelta = timedelta(0)) -> list[str]:
    """The owners whose rows have not expired."""
    now, _ = lease_clock(connection, ttl)
    query = select(sync_workers.c.owner).where(
        sync_workers.c.subscription == subscription, sync_workers.c.expires_at >= now
    )
    return [row.owner for row in await connection.execute(query.order_by(sync_workers.c.owner))]
