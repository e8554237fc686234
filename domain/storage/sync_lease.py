"""Leases: which sync worker may apply a subscription's partition, until when. One row per (subscription,
partition); a subscription that is not partitioned has partition 0 only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Interval, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage.dialects import as_utc, is_postgres, upsert
from domain.storage.tables import sync_leases


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    owner: str
    expires_at: datetime
    partition: int = 0


def lease_clock(connection: AsyncConnection, ttl: timedelta) -> tuple[Any, Any]:
    """(now, now + ttl): the database's clock on PostgreSQL, so workers on several hosts agree on expiry; on
    SQLite every worker shares one host, and its clock."""
    if is_postgres(connection):
        return func.clock_timestamp(), func.clock_timestamp() + literal(ttl, Interval())
    now = datetime.now(UTC)
    return now, now + ttl


async def claim_lease(connection: AsyncConnection, name: str, owner: str, ttl: timedelta, partition: int = 0) -> bool:
    """Takes the lease if it is free, expired or already ours, and extends it by `ttl`. True if we hold it."""
    now, expires_at = lease_clock(connection, ttl)
    statement = upsert(connection, sync_leases).values(
        name=name, partition=partition, owner=owner, expires_at=expires_at
    )
    statement = statement.on_conflict_do_update(
        index_elements=[sync_leases.c.name, sync_leases.c.partition],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=or_(sync_leases.c.owner == owner, sync_leases.c.expires_at < now),
    ).returning(sync_leases.c.owner)
    row = (await connection.execute(statement)).first()
    return row is not None and row.owner == owner


async def release_lease(connection: AsyncConnection, name: str, owner: str, partition: int = 0) -> None:
    await connection.execute(
        delete(sync_leases).where(
            sync_leases.c.name == name, sync_leases.c.partition == partition, sync_leases.c.owner == owner
        )
    )


def _lease(row: Any) -> Lease:
    return Lease(row.name, row.owner, as_utc(row.expires_at), row.partition)


async def read_lease(connection: AsyncConnection, name: str, partition: int = 0) -> Lease | None:
    query = select(sync_leases).where(sync_leases.c.name == name, sync_leases.c.partition == partition)
    row = (await connection.execute(query)).first()
    return None if row is None else _lease(row)


async def read_leases(connection: AsyncConnection, name: str) -> dict[int, Lease]:
    """Every partition's lease of the subscription (expired ones included: `expires_at` tells)."""
    rows = await connection.execute(select(sync_leases).where(sync_leases.c.name == name))
    return {row.partition: _lease(row) for row in rows}


async def drop_leases(connection: AsyncConnection, name: str) -> None:
    await connection.execute(delete(sync_leases).where(sync_leases.c.name == name))
