"""The webhook delivery queue: a row per outbox record and subscribed endpoint, from its fan-out to its outcome.

A delivery is `pending` until its endpoint acknowledges it (`delivered`), its retry period runs out (`dead`: a
dead letter, until `requeue_dead` makes it pending again) or its webhook is removed (`cancelled`). Deliveries of
one aggregate to one endpoint go out in outbox order: `due` offers only the first pending one of each such
chain, so a failing delivery holds back the later ones of its aggregate to its endpoint, and nothing else.

Functions take an open `AsyncConnection`; the caller owns the (short) transaction. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import OutboxPosition
from domain.storage.dialects import as_utc, upsert
from domain.storage.tables import webhook_deliveries

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
CANCELLED = "cancelled"
STATUSES = (PENDING, DELIVERED, DEAD, CANCELLED)

_table = webhook_deliveries


@dataclass(frozen=True, slots=True)
class NewDelivery:
    webhook_id: str
    event_id: str
    event: str
    """The `WebhookEvent` it is delivered as."""
    position: OutboxPosition
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    body: str
    """The JSON body, exactly as every attempt sends (and signs) it."""


@dataclass(frozen=True, slots=True)
class Delivery(NewDelivery):
    """A queued delivery and where it stands."""

    id: int
    status: str
    attempts: int
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


def _when(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event=row.event,
        position=OutboxPosition(row.txid, row.sequence),
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.aggregate_version,
        occurred_at=as_utc(row.occurred_at),
        body=row.body,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=as_utc(row.next_attempt_at),
        first_attempt_at=_when(row.first_attempt_at),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=_when(row.delivered_at),
        created_at=as_utc(row.created_at),
    )


async def enqueue(connection: AsyncConnection, deliveries: Sequence[NewDelivery], now: datetime) -> None:
    """Queues each delivery, due now; one already queued for its webhook and record is left as it is (a fan-out
    that ran twice over the same records, say after a lease takeover)."""
    if not deliveries:
        return
    rows = [
        {
            "webhook_id": new.webhook_id,
            "event_id": new.event_id,
            "event": new.event,
            "txid": new.position.txid,
            "sequence": new.position.sequence,
            "aggregate_type": new.aggregate_type,
            "aggregate_id": new.aggregate_id,
            "aggregate_version": new.aggregate_version,
            "occurred_at": new.occurred_at,
            "body": new.body,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for new in deliveries
    ]
    statement = upsert(connection, _table).on_conflict_do_nothing(
        index_elements=[_table.c.webhook_id, _table.c.txid, _table.c.sequence]
    )
    await connection.execute(statement, rows)


async def cancel_pending(connection: AsyncConnection, webhook_id: str) -> None:
    """The webhook was removed: what is still queued for it is never sent."""
    query = update(_table).where(_table.c.webhook_id == webhook_id, _table.c.status == PENDING)
    await connection.execute(query.values(status=CANCELLED))


def _due_statement() -> Select[Any]:
    """The first pending delivery of its aggregate to its endpoint is the one whose record (an outbox sequence,
    unique) comes first among them: one probe of `webhook_deliveries_in_order` per candidate, whatever the
    planner's statistics say about a queue that changes by the second."""
    earlier = _table.alias("earlier")
    first_pending = (
        select(earlier.c.sequence)
        .where(
            earlier.c.webhook_id == _table.c.webhook_id,
            earlier.c.aggregate_type == _table.c.aggregate_type,
            earlier.c.aggregate_id == _table.c.aggregate_id,
            earlier.c.status == PENDING,
        )
        .order_by(earlier.c.txid, earlier.c.sequence)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(_table)
        .where(_table.c.webhook_id == bindparam("webhook_id"), _table.c.status == PENDING)
        .where(_table.c.next_attempt_at <= bindparam("now"), _table.c.sequence == first_pending)
        .order_by(_table.c.txid, _table.c.sequence)
        .limit(bindparam("limit"))
    )


# Built once, and always the same SQL (the deliveries in flight are left out here, not in SQL): PostgreSQL
# prepares it after a few runs, where planning it cost ten times running it.
_DUE = _due_statement()


async def due(
    connection: AsyncConnection, webhook_id: str, now: datetime, limit: int, excluding: Collection[int] = ()
) -> list[Delivery]:
    """Up to `limit` deliveries to send now, in outbox order: of each aggregate's pending deliveries to this
    endpoint, only the first, and only once its next attempt is due. `excluding`: the ones in flight."""
    parameters = {"webhook_id": webhook_id, "now": now, "limit": limit + len(excluding)}
    found = [_delivery(row) for row in await connection.execute(_DUE, parameters)]
    return [delivery for delivery in found if delivery.id not in excluding][:limit]


async def record_delivered(connection: AsyncConnection, delivery_id: int, status_code: int, now: datetime) -> None:
    await connection.execute(
        update(_table)
        .where(_table.c.id == delivery_id, _table.c.status == PENDING)
        .values(
            status=DELIVERED,
            attempts=_table.c.attempts + 1,
            first_attempt_at=func.coalesce(_table.c.first_attempt_at, now),
            last_attempt_at=now,
            last_status_code=status_code,
            last_error=None,
            delivered_at=now,
        )
    )


async def record_failed(
    connection: AsyncConnection,
    delivery_id: int,
    *,
    status_code: int | None,
    error: str,
    now: datetime,
    retry_at: datetime | None,
) -> None:
    """One more failed attempt: tried again at `retry_at`, or (None) dead-lettered."""
    values: dict[str, Any] = {
        "attempts": _table.c.attempts + 1,
        "first_attempt_at": func.coalesce(_table.c.first_attempt_at, now),
        "last_attempt_at": now,
        "last_status_code": status_code,
        "last_error": error,
    }
    if retry_at is None:
        values["status"] = DEAD
    else:
        values["next_attempt_at"] = retry_at
    await connection.execute(
        update(_table).where(_table.c.id == delivery_id, _table.c.status == PENDING).values(**values)
    )


async def requeue_dead(connection: AsyncConnection, delivery_ids: Collection[int] | None, now: datetime) -> list[int]:
    """Makes these dead deliveries (None: every one) pending again, due now, with a fresh retry period; returns
    the ids it requeued."""
    query = select(_table.c.id).where(_table.c.status == DEAD).order_by(_table.c.id)
    if delivery_ids is not None:
        query = query.where(_table.c.id.in_(list(delivery_ids)))
    ids = [row.id for row in await connection.execute(query)]
    if ids:
        await connection.execute(
            update(_table)
            .where(_table.c.id.in_(ids), _table.c.status == DEAD)
            .values(status=PENDING, next_attempt_at=now, first_attempt_at=None)
        )
    return ids


async def read_deliveries(
    connection: AsyncConnection, *, failed_only: bool = False, webhook_id: str | None = None, limit: int = 100
) -> list[Delivery]:
    """The newest deliveries first; `failed_only`: dead ones, and pending ones whose last attempt failed."""
    query = select(_table).order_by(_table.c.id.desc()).limit(limit)
    if failed_only:
        query = query.where(
            (_table.c.status == DEAD) | ((_table.c.status == PENDING) & _table.c.last_error.is_not(None))
        )
    if webhook_id is not None:
        query = query.where(_table.c.webhook_id == webhook_id)
    return [_delivery(row) for row in await connection.execute(query)]


async def read_delivery_statuses(connection: AsyncConnection, delivery_ids: Collection[int]) -> dict[int, str]:
    query = select(_table.c.id, _table.c.status).where(_table.c.id.in_(list(delivery_ids)))
    return {row.id: row.status for row in await connection.execute(query)}


async def count_by_status(connection: AsyncConnection) -> dict[str, int]:
    query = select(_table.c.status, func.count()).group_by(_table.c.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({row[0]: int(row[1]) for row in await connection.execute(query)})
    return counts


async def purge_finished(connection: AsyncConnection, before: datetime, limit: int = 10_000) -> int:
    """Deletes up to `limit` delivered and cancelled deliveries created before `before`; returns how many."""
    finished = select(_table.c.id).where(_table.c.status.in_([DELIVERED, CANCELLED]), _table.c.created_at < before)
    ids = [row.id for row in await connection.execute(finished.limit(limit))]
    if ids:
        await connection.execute(delete(_table).where(_table.c.id.in_(ids)))
    return len(ids)
