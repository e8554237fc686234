"""The write model's aggregates, streamed page by page for rebuilds and verification.

Functions take an open `AsyncConnection`; the caller owns the transaction (one short transaction per call is
the rule: a long read transaction on PostgreSQL would hold the snapshot horizon back for everyone).

The other statements the sync worker runs live beside this module, one topic each: `outbox_reading` (gap-safe
reads of the outbox), `sync_checkpoints`, `sync_lease` and `dead_letters`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model.events import ORDER, PRODUCT
from domain.storage.repositories import order_from_row
from domain.storage.tables import orders, products

_AGGREGATE_TABLES: dict[str, Table] = {PRODUCT: products, ORDER: orders}


# --- the write model's aggregates, page by page -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AggregateState:
    aggregate_type: str
    aggregate_id: str
    version: int
    state: dict[str, Any]


def _table(aggregate_type: str) -> Table:
    try:
        return _AGGREGATE_TABLES[aggregate_type]
    except KeyError:
        raise ValueError(f"no table holds aggregates of type '{aggregate_type}'") from None


def _product_state(row: Row[Any]) -> dict[str, Any]:
    """`product_from_row(row).state()`, straight from the row: a product's state is its columns, and a rebuild
    reads every product, so it skips building the aggregate only to flatten it again (a third of the copy's
    time). `tests/integration/sync/test_rebuild.py` holds the two equal."""
    return {
        "id": row.id,
        "sku": row.sku,
        "name": row.name,
        "description": row.description,
        "brand": row.brand,
        "category_path": list(row.category_path),
        "attributes": [list(pair) for pair in row.attributes],
        "price": {"amount": str(Decimal(row.price_amount)), "currency": row.price_currency},
        "status": row.status,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _order_state(row: Row[Any]) -> dict[str, Any]:
    return order_from_row(row).state()


_STATES: dict[str, Callable[[Row[Any]], dict[str, Any]]] = {PRODUCT: _product_state, ORDER: _order_state}


async def read_states(
    connection: AsyncConnection, aggregate_type: str, after_id: str | None, limit: int
) -> list[AggregateState]:
    """The next page (by id) of aggregates with their whole state, as the outbox would carry it."""
    table = _table(aggregate_type)
    query = select(table).order_by(table.c.id).limit(limit)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    state = _STATES[aggregate_type]
    return [AggregateState(aggregate_type, row.id, row.version, state(row)) for row in await connection.execute(query)]


async def read_versions(
    connection: AsyncConnection, aggregate_type: str, after_id: str | None, limit: int
) -> list[tuple[str, int]]:
    """The next page (by id) of (id, version) pairs."""
    table = _table(aggregate_type)
    query = select(table.c.id, table.c.version).order_by(table.c.id).limit(limit)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    return [(row.id, row.version) for row in await connection.execute(query)]


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
