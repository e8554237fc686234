"""The write model's aggregates, page by page: what rebuilds and verification read instead of the outbox.

Pages are keyset-paginated by id, so memory stays flat whatever the catalog's size; a page of products reads
its variants in one more query. Functions take an open `AsyncConnection`; the caller owns the (short)
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model.events import ORDER, PRODUCT, WEBHOOK
from domain.model.snapshots import Snapshot
from domain.storage.aggregate_rows import Columns, order_snapshot, product_snapshot, webhook_snapshot
from domain.storage.repositories import variants_of
from domain.storage.tables import orders, products, webhooks

_AGGREGATE_TABLES: dict[str, Table] = {PRODUCT: products, ORDER: orders, WEBHOOK: webhooks}
# A product's snapshot also needs its variants' rows (read a page at a time); these need their row only.
_SNAPSHOTS_OF_ROW: dict[str, Callable[[Columns], Snapshot]] = {ORDER: order_snapshot, WEBHOOK: webhook_snapshot}


@dataclass(frozen=True, slots=True)
class AggregateState:
    aggregate_type: str
    aggregate_id: str
    version: int
    state: Snapshot


def _table(aggregate_type: str) -> Table:
    try:
        return _AGGREGATE_TABLES[aggregate_type]
    except KeyError:
        raise ValueError(f"no table holds aggregates of type '{aggregate_type}'") from None


async def read_states(
    connection: AsyncConnection, aggregate_type: str, after_id: str | None, limit: int
) -> list[AggregateState]:
    """The next page (by id) of aggregates with their snapshot, as the outbox would carry it."""
    table = _table(aggregate_type)
    query = select(table).order_by(table.c.id).limit(limit)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    rows = (await connection.execute(query)).mappings().all()
    return [
        AggregateState(aggregate_type, row["id"], row["version"], snapshot)
        for row, snapshot in await _snapshots(connection, aggregate_type, rows)
    ]


async def _snapshots(
    connection: AsyncConnection, aggregate_type: str, rows: Sequence[Columns]
) -> list[tuple[Columns, Snapshot]]:
    if aggregate_type != PRODUCT:
        snapshot = _SNAPSHOTS_OF_ROW[aggregate_type]
        return [(row, snapshot(row)) for row in rows]
    variants = await variants_of(connection, [row["id"] for row in rows])
    return [(row, product_snapshot(row, variants[row["id"]])) for row in rows]


async def versions_of(connection: AsyncConnection, aggregate_type: str, ids: Sequence[str]) -> dict[str, int]:
    """The versions of those of `ids` that exist."""
    if not ids:
        return {}
    table = _table(aggregate_type)
    query = select(table.c.id, table.c.version).where(table.c.id.in_(list(ids)))
    return {row.id: row.version for row in await connection.execute(query)}


async def count_aggregates(connection: AsyncConnection, aggregate_type: str) -> int:
    table = _table(aggregate_type)
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
