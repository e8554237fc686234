"""Every SQL statement the sync worker needs: gap-safe outbox reads, checkpoints, the lease, dead letters. (The
write model's aggregates, page by page, for rebuilds and verification: `aggregate_pages.py`.)

Functions take an open `AsyncConnection`; the caller owns the transaction (one short transaction per call is
the rule: a long read transaction on PostgreSQL would hold the snapshot horizon back for everyone).

**Reading without gaps.** On PostgreSQL a row's `sequence` is taken when it is inserted, not when its transaction
commits, so a transaction holding sequence 41 may commit after one holding 42. Rows carry the writing
transaction's id (`txid`), and `read_after` only returns rows whose `txid` is below the current snapshot's xmin:
every transaction with an id below xmin has ended (its rows are visible now or never will be), and every
transaction still to come gets a larger id. So nothing can later appear at or behind a position that was read.
On SQLite writers are serialized and `txid` is always 0: the sequence alone is commit order. See docs/sync.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Interval,
    Row,
    Table,
    Text,
    and_,
    cast,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.outbox import START, OutboxPosition, OutboxRecord
from domain.storage.tables import dead_letters, outbox, sync_checkpoints, sync_leases

_SNAPSHOT_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def _is_postgres(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"


def _utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything this service stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _position_column() -> ColumnElement[Any]:
    return tuple_(outbox.c.txid, outbox.c.sequence)


def _after(connection: AsyncConnection, position: OutboxPosition) -> ColumnElement[bool]:
    """Rows after `position`, as an index range.

    PostgreSQL's btree on (txid, sequence) serves the row value comparison. SQLite's planner bounds only `txid`
    with it (`SEARCH ... (txid>?)`), and every SQLite txid is 0, so it would walk the whole outbox on every
    read; there `txid = :txid AND sequence > :sequence` is the same set (txid is always 0) and a true range.
    """
    if _is_postgres(connection):
        return _position_column() > tuple_(literal(position.txid), literal(position.sequence))
    return and_(outbox.c.txid == position.txid, outbox.c.sequence > position.sequence)


def _has_state() -> ColumnElement[bool]:
    """The JSON column stores Python None as the JSON text `null` (SQLAlchemy's default), or as SQL NULL."""
    return and_(outbox.c.state.is_not(None), cast(outbox.c.state, Text) != "null")


_IDENTITY_COLUMNS = (
    outbox.c.txid,
    outbox.c.sequence,
    outbox.c.aggregate_type,
    outbox.c.aggregate_id,
    outbox.c.aggregate_version,
    outbox.c.event_type,
)
_RECORD_COLUMNS = (*_IDENTITY_COLUMNS, outbox.c.payload, outbox.c.state, outbox.c.occurred_at)
# What projections read: no payload (they project states only), no time (nothing downstream asks), and the state
# as its JSON text, decoded here by orjson, which also tells its size for free (the worker reads thousands of
# records a second; leaving out the time saves a tenth to a fifth of each read).
_PROJECTION_COLUMNS = (*_IDENTITY_COLUMNS, cast(outbox.c.state, Text))
_NOT_READ: dict[str, Any] = {}


def _record(row: Sequence[Any], state_size: int = 0) -> OutboxRecord:
    """A row of `_RECORD_COLUMNS`, unpacked by position (the worker reads thousands a second; names cost)."""
    txid, sequence, aggregate_type, aggregate_id, version, event_type, payload, state, occurred_at = row
    return OutboxRecord(
        OutboxPosition(txid, sequence),
        aggregate_type,
        aggregate_id,
        version,
        event_type,
        payload,
        state,
        None if occurred_at is None else _utc(occurred_at),
        state_size,
    )


def _projection_record(row: Sequence[Any]) -> OutboxRecord:
    """A row of `_PROJECTION_COLUMNS`: the state's JSON decoded here, the payload and the time left out."""
    *identity, state = row
    return _record((*identity, _NOT_READ, orjson.loads(state), None), len(state))


# --- the outbox -------------------------------------------------------------------------------------------------


async def read_after(
    connection: AsyncConnection, position: OutboxPosition, limit: int, *, for_projection: bool = False
) -> list[OutboxRecord]:
    """Up to `limit` committed records after `position`, in position order, never leaving a gap behind them.

    `for_projection` reads what projecting states needs, and only that. It skips the records that carry no
    state: an aggregate's earlier events in one transaction, whose state the same transaction's last record for
    that aggregate carries (and every transaction's last record has one); that reads half the rows when commands
    emit two events. And it leaves each record's `payload` empty and its `occurred_at` None (not read), with
    `state_size` filled in.
    """
    query = (
        select(*(_PROJECTION_COLUMNS if for_projection else _RECORD_COLUMNS))
        .where(_after(connection, position))
        .order_by(outbox.c.txid, outbox.c.sequence)
        .limit(limit)
    )
    if for_projection:
        query = query.where(_has_state())
    if _is_postgres(connection):
        query = query.where(outbox.c.txid < select(literal_column(_SNAPSHOT_XMIN)).scalar_subquery())
    make = _projection_record if for_projection else _record
    return [make(row) for row in await connection.execute(query)]


async def read_at(connection: AsyncConnection, positions: Sequence[OutboxPosition]) -> list[OutboxRecord]:
    """The records at these exact positions (dead-letter retries), in position order."""
    if not positions:
        return []
    wanted = _position_column().in_([tuple_(literal(p.txid), literal(p.sequence)) for p in positions])
    query = select(*_RECORD_COLUMNS).where(wanted).order_by(outbox.c.txid, outbox.c.sequence)
    return [_record(row) for row in await connection.execute(query)]


async def horizon(connection: AsyncConnection) -> OutboxPosition:
    """A position at or below which every record is committed and visible now, and no new one can appear.

    PostgreSQL: `(xmin, 0)` of the current snapshot; SQLite: the last sequence number.
    """
    if _is_postgres(connection):
        xmin: int = (await connection.execute(select(literal_column(_SNAPSHOT_XMIN)))).scalar_one()
        return OutboxPosition(int(xmin), 0)
    last = (await connection.execute(select(func.max(outbox.c.sequence)))).scalar_one()
    return OutboxPosition(0, int(last or 0))


async def head(connection: AsyncConnection) -> OutboxPosition:
    """The greatest committed position (on PostgreSQL, earlier transactions may still be open below it)."""
    query = select(outbox.c.txid, outbox.c.sequence).order_by(outbox.c.txid.desc(), outbox.c.sequence.desc()).limit(1)
    row = (await connection.execute(query)).first()
    return START if row is None else OutboxPosition(row.txid, row.sequence)


@dataclass(frozen=True, slots=True)
class Backlog:
    events: int
    oldest_occurred_at: datetime | None


async def backlog(connection: AsyncConnection, position: OutboxPosition) -> Backlog:
    """How many committed records lie after `position`, and when the oldest of them happened."""
    query = select(func.count(), func.min(outbox.c.occurred_at)).select_from(outbox).where(_after(connection, position))
    count, oldest = (await connection.execute(query)).one()
    return Backlog(int(count), None if oldest is None else _utc(oldest))


# --- checkpoints ------------------------------------------------------------------------------------------------


async def load_checkpoint(connection: AsyncConnection, name: str) -> OutboxPosition:
    query = select(sync_checkpoints.c.txid, sync_checkpoints.c.sequence).where(sync_checkpoints.c.name == name)
    row = (await connection.execute(query)).first()
    return START if row is None else OutboxPosition(row.txid, row.sequence)


def _upsert(connection: AsyncConnection, table: Table) -> Any:
    return (postgresql.insert if _is_postgres(connection) else sqlite.insert)(table)


async def save_checkpoint(connection: AsyncConnection, name: str, position: OutboxPosition) -> None:
    """Advances the checkpoint to `position`; never moves it back (a stale worker's late write is ignored)."""
    values = {"name": name, "txid": position.txid, "sequence": position.sequence, "updated_at": datetime.now(UTC)}
    statement = _upsert(connection, sync_checkpoints).values(values)
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


# --- the lease --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    owner: str
    expires_at: datetime


def _lease_clock(connection: AsyncConnection, ttl: timedelta) -> tuple[Any, Any]:
    """(now, now + ttl): the database's clock on PostgreSQL, so workers on several hosts agree on expiry; on
    SQLite every worker shares one host, and its clock."""
    if _is_postgres(connection):
        return func.clock_timestamp(), func.clock_timestamp() + literal(ttl, Interval())
    now = datetime.now(UTC)
    return now, now + ttl


async def claim_lease(connection: AsyncConnection, name: str, owner: str, ttl: timedelta) -> bool:
    """Takes the lease if it is free, expired or already ours, and extends it by `ttl`. True if we hold it."""
    now, expires_at = _lease_clock(connection, ttl)
    statement = _upsert(connection, sync_leases).values(name=name, owner=owner, expires_at=expires_at)
    statement = statement.on_conflict_do_update(
        index_elements=[sync_leases.c.name],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=or_(sync_leases.c.owner == owner, sync_leases.c.expires_at < now),
    ).returning(sync_leases.c.owner)
    row = (await connection.execute(statement)).first()
    return row is not None and row.owner == owner


async def release_lease(connection: AsyncConnection, name: str, owner: str) -> None:
    await connection.execute(delete(sync_leases).where(sync_leases.c.name == name, sync_leases.c.owner == owner))


async def read_lease(connection: AsyncConnection, name: str) -> Lease | None:
    row = (await connection.execute(select(sync_leases).where(sync_leases.c.name == name))).first()
    return None if row is None else Lease(row.name, row.owner, _utc(row.expires_at))


# --- dead letters -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    subscription: str
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
        position=OutboxPosition(row.txid, row.sequence),
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.aggregate_version,
        event_type=row.event_type,
        error=row.error,
        attempts=row.attempts,
        created_at=_utc(row.created_at),
        resolved_at=None if row.resolved_at is None else _utc(row.resolved_at),
    )


async def add_dead_letters(
    connection: AsyncConnection, subscription: str, failures: Iterable[tuple[OutboxRecord, str, int]]
) -> None:
    """Stores each (record, error, attempts) as an unresolved dead letter of `subscription`."""
    now = datetime.now(UTC)
    rows = [
        {
            "subscription": subscription,
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
    if rows:
        await connection.execute(dead_letters.insert(), rows)


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


async def count_dead_letters(connection: AsyncConnection, subscription: str) -> int:
    query = (
        select(func.count())
        .select_from(dead_letters)
        .where(dead_letters.c.subscription == subscription, dead_letters.c.resolved_at.is_(None))
    )
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
