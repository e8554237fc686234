"""Reading the outbox in position order without gaps: what the sync worker reads, and where it stands.

Functions take an open `AsyncConnection`; the caller owns the transaction (one short transaction per call is
the rule: a long read transaction on PostgreSQL would hold the snapshot horizon back for everyone).

**Reading without gaps.** On PostgreSQL a row's `sequence` is taken when it is inserted, not when its transaction
commits, so a transaction holding sequence 41 may commit after one holding 42. Rows carry the writing
transaction's id (`txid`), and `read_after` only returns rows whose `txid` is below the current snapshot's xmin:
every transaction with an id below xmin has ended (its rows are visible now or never will be), and every
transaction still to come gets a larger id. So nothing can later appear at or behind a position that was read.
On SQLite writers are serialized and `txid` is always 0: the sequence alone is commit order. See docs/sync.md.

**Partitions.** Every record is in one partition (`outbox.partition`, by aggregate); each function that reads
records takes `partition` (None: every partition). The rule above holds within a partition as it does for the
whole outbox. `read_partition` also says how far the read covered the partition: up to the horizon when it found
every record there was, so a partition without new records still moves forward (docs/sync.md, "Partitions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, and_, cast, func, literal, literal_column, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model.snapshots import Snapshot
from domain.outbox import START, EncodedState, OutboxPosition, OutboxRecord
from domain.storage.dialects import as_utc, is_postgres
from domain.storage.tables import outbox

_SNAPSHOT_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def _position_column() -> ColumnElement[Any]:
    return tuple_(outbox.c.txid, outbox.c.sequence)


def _after(connection: AsyncConnection, position: OutboxPosition) -> ColumnElement[bool]:
    """Rows after `position`, as an index range.

    PostgreSQL's btree on (txid, sequence) serves the row value comparison. SQLite's planner bounds only `txid`
    with it (`SEARCH ... (txid>?)`), and every SQLite txid is 0, so it would walk the whole outbox on every
    read; there `txid = :txid AND sequence > :sequence` is the same set (txid is always 0) and a true range.
    """
    if is_postgres(connection):
        return _position_column() > tuple_(literal(position.txid), literal(position.sequence))
    return and_(outbox.c.txid == position.txid, outbox.c.sequence > position.sequence)


def _in(partition: int | None) -> ColumnElement[bool]:
    return true() if partition is None else outbox.c.partition == partition


def _at_or_below(connection: AsyncConnection, bound: OutboxPosition) -> ColumnElement[bool]:
    """Rows at or below a horizon. PostgreSQL's horizon is `(xmin, 0)` and no row has sequence 0, so this is
    `txid < xmin`; SQLite's is `(0, last sequence)`."""
    if is_postgres(connection):
        return outbox.c.txid < bound.txid
    return outbox.c.sequence <= bound.sequence


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
# records a second: every column left out counts; docs/performance.md, finding 20).
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
        None if occurred_at is None else as_utc(occurred_at),
        state_size,
    )


def _projection_record(row: Sequence[Any]) -> OutboxRecord:
    """A row of `_PROJECTION_COLUMNS`: the state kept as its JSON text (decoded when a projection asks for it),
    the payload and the time left out."""
    *identity, state = row
    return _record((*identity, _NOT_READ, EncodedState(state, orjson.loads), None), len(state))


async def read_after(
    connection: AsyncConnection,
    position: OutboxPosition,
    limit: int,
    *,
    for_projection: bool = False,
    partition: int | None = None,
    up_to: OutboxPosition | None = None,
) -> list[OutboxRecord]:
    """Up to `limit` committed records after `position`, in position order, never leaving a gap behind them.

    `for_projection` reads what projecting states needs, and only that. It skips the records that carry no
    state: an aggregate's earlier events in one transaction, whose state the same transaction's last record for
    that aggregate carries (and every transaction's last record has one); that reads half the rows when commands
    emit two events. And it leaves each record's `payload` empty and its `occurred_at` None (not read), with
    `state_size` filled in.

    `partition` reads that partition only; `up_to`, a `horizon()` taken earlier, reads no further than it
    (without it, PostgreSQL reads below the xmin of the statement's own snapshot).
    """
    query = (
        select(*(_PROJECTION_COLUMNS if for_projection else _RECORD_COLUMNS))
        .where(_in(partition), _after(connection, position))
        .order_by(outbox.c.txid, outbox.c.sequence)
        .limit(limit)
    )
    if for_projection:
        query = query.where(_has_state())
    if up_to is not None:
        query = query.where(_at_or_below(connection, up_to))
    elif is_postgres(connection):
        query = query.where(outbox.c.txid < select(literal_column(_SNAPSHOT_XMIN)).scalar_subquery())
    make = _projection_record if for_projection else _record
    return [make(row) for row in await connection.execute(query)]


@dataclass(frozen=True, slots=True)
class PartitionRead:
    records: list[OutboxRecord]
    reached: OutboxPosition
    """Every record of the partition at or below it has been read (or skipped, for carrying no state): the last
    record's position, or the horizon when the read found fewer records than it could take."""
    exhausted: bool
    """The read found every record there was up to the horizon."""
    others_ahead: bool = False
    """(Reads that found nothing) the outbox holds a committed record, in another partition, after the position
    read from: only then is moving this partition forward of use to a reader."""


async def read_partition(
    connection: AsyncConnection,
    position: OutboxPosition,
    limit: int,
    *,
    partition: int | None,
    for_projection: bool = False,
) -> PartitionRead:
    """`read_after` up to the horizon taken just before it, saying how far the read covered the partition.

    The horizon comes first: every record at or below it was final then and stays visible, so a read that found
    fewer than `limit` records below it found all of them, and the partition is covered up to the horizon,
    records or not (a later statement's snapshot only sees more; on PostgreSQL the two statements may use
    different snapshots). This is what moves an idle partition forward: a reader waiting for a position in it
    is never held back because the partition had nothing to apply.
    """
    bound = await horizon(connection)
    if bound <= position:
        return PartitionRead([], position, exhausted=True)
    records = await read_after(
        connection, position, limit, for_projection=for_projection, partition=partition, up_to=bound
    )
    if not records:
        return PartitionRead([], bound, exhausted=True, others_ahead=await head(connection) > position)
    if len(records) < limit:
        return PartitionRead(records, bound, exhausted=True)
    return PartitionRead(records, records[-1].position, exhausted=False)


async def read_at(connection: AsyncConnection, positions: Sequence[OutboxPosition]) -> list[OutboxRecord]:
    """The records at these exact positions (dead-letter retries), in position order."""
    if not positions:
        return []
    wanted = _position_column().in_([tuple_(literal(p.txid), literal(p.sequence)) for p in positions])
    query = select(*_RECORD_COLUMNS).where(wanted).order_by(outbox.c.txid, outbox.c.sequence)
    return [_record(row) for row in await connection.execute(query)]


async def read_aggregate_type(
    connection: AsyncConnection, aggregate_type: str, up_to: OutboxPosition
) -> list[OutboxRecord]:
    """Every record of one aggregate type at or before `up_to` that carries state, in position order (the
    webhook fan-out's endpoints as of its checkpoint; there are few such records)."""
    query = (
        select(*_RECORD_COLUMNS)
        .where(outbox.c.aggregate_type == aggregate_type, _has_state())
        .where(_position_column() <= tuple_(literal(up_to.txid), literal(up_to.sequence)))
        .order_by(outbox.c.txid, outbox.c.sequence)
    )
    return [_record(row) for row in await connection.execute(query)]


async def read_carried_state(
    connection: AsyncConnection, aggregate_type: str, aggregate_id: str, after_version: int
) -> Snapshot | None:
    """The state a stateless record's transaction left its aggregate in: that of the aggregate's first record after
    `after_version` that carries one (every transaction's last record of an aggregate does)."""
    query = (
        select(outbox.c.state)
        .where(outbox.c.aggregate_type == aggregate_type, outbox.c.aggregate_id == aggregate_id)
        .where(outbox.c.aggregate_version > after_version, _has_state())
        .order_by(outbox.c.aggregate_version)
        .limit(1)
    )
    state: Snapshot | None = (await connection.execute(query)).scalar()
    return state


async def horizon(connection: AsyncConnection) -> OutboxPosition:
    """A position at or below which every record is committed and visible now, and no new one can appear.

    PostgreSQL: `(xmin, 0)` of the current snapshot; SQLite: the last sequence number.
    """
    if is_postgres(connection):
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


async def backlog(connection: AsyncConnection, position: OutboxPosition, partition: int | None = None) -> Backlog:
    """How many committed records (of `partition`, or all) lie after `position`, and when the oldest happened."""
    query = (
        select(func.count(), func.min(outbox.c.occurred_at))
        .select_from(outbox)
        .where(_in(partition), _after(connection, position))
    )
    count, oldest = (await connection.execute(query)).one()
    return Backlog(int(count), None if oldest is None else as_utc(oldest))
