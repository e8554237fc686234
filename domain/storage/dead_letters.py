"""Dead letters: outbox records a subscription could not apply, kept with their error until a retry resolves them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import OutboxPosition, OutboxRecord
from domain.storage.dialects import as_utc
from domain.storage.tables import dead_letters


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    subscription: str
    partition: int
    position: OutboxPosition
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str
    error: str
    attempts: int
    created_at: datetime
    resolved_at: datetime | None


def _dead_letter(row: Row[Any]) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        subscription=row.subscription,
        partition=row.partition,
        position=OutboxPosition(row.txid, row.sequence),
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.aggregate_version,
        event_type=row.event_type,
        error=row.error,
        attempts=row.attempts,
        created_at=as_utc(row.created_at),
        resolved_at=None if row.resolved_at is None else as_utc(row.resolved_at),
    )


async def add_dead_letters(
    connection: AsyncConnection,
    subscription: str,
    failures: Iterable[tuple[OutboxRecord, str, int]],
    partition: int = 0,
) -> list[DeadLetter]:
    """Stores each (record, error, attempts) of `partition` as an unresolved dead letter of `subscription`."""
    now = datetime.now(UTC)
    rows = [
        {
            "subscription": subscription,
            "partition": partition,
            "txid": record.position.txid,
            "sequence": record.position.sequence,
            "aggregate_type": record.aggregate_type,
            "aggregate_id": record.aggregate_id,
            "aggregate_version": record.aggregate_version,
            "event_type": record.event_type,
            "error": error,
            "attempts": attempts,
            "created_at": now,
        }
        for record, error, attempts in failures
    ]
    if not rows:
        return []
    return [_dead_letter(row) for row in await connection.execute(dead_letters.insert().returning(dead_letters), rows)]


async def list_dead_letters(
    connection: AsyncConnection, subscription: str, *, include_resolved: bool = False, limit: int = 100
) -> list[DeadLetter]:
    query = select(dead_letters).where(dead_letters.c.subscription == subscription)
    if not include_resolved:
        query = query.where(dead_letters.c.resolved_at.is_(None))
    return [_dead_letter(row) for row in await connection.execute(query.order_by(dead_letters.c.id).limit(limit))]


async def get_dead_letter(connection: AsyncConnection, letter_id: int) -> DeadLetter | None:
    row = (await connection.execute(select(dead_letters).where(dead_letters.c.id == letter_id))).first()
    return None if row is None else _dead_letter(row)


async def count_dead_letters(connection: AsyncConnection, subscription: str, partition: int | None = None) -> int:
    """Unresolved dead letters of the subscription, in `partition` (None: in all)."""
    query = (
        select(func.count())
        .select_from(dead_letters)
        .where(dead_letters.c.subscription == subscription, dead_letters.c.resolved_at.is_(None))
    )
    if partition is not None:
        query = query.where(dead_letters.c.partition == partition)
    return int((await connection.execute(query)).scalar_one())


async def resolve_dead_letter(connection: AsyncConnection, letter_id: int) -> None:
    statement = update(dead_letters).where(dead_letters.c.id == letter_id).values(resolved_at=datetime.now(UTC))
    await connection.execute(statement)


async def record_failed_retry(connection: AsyncConnection, letter_id: int, error: str) -> None:
    statement = (
        update(dead_letters)
        .where(dead_letters.c.id == letter_id)
        .values(error=error, attempts=dead_letters.c.attempts + 1)
    )
    await connection.execute(statement)
