"""Many new products written at once in a batch's transaction (`ports.NewProducts`; domain/product_batches.py
decides when): each table written by one executemany, under a savepoint, so that a unique constraint met by a
race with another writer rolls back just these writes and the batch runs its rows one by one instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Column, ColumnElement, Select, any_, bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from domain.model.catalog import Product
from domain.outbox import ConsistencyToken, OutboxPosition
from domain.ports import IdempotencyClaim, Outcome
from domain.storage.aggregate_rows import idempotency_row, rows_to_write
from domain.storage.repositories import SqlConnection
from domain.storage.tables import idempotency_keys, outbox, product_variants, products, skus

_INSERT_PRODUCTS = insert(products)
_INSERT_SKUS = insert(skus)
_INSERT_VARIANTS = insert(product_variants)
_INSERT_OUTBOX = insert(outbox)
# The rows' outbox positions, in the order of the rows given (each product's are known, and follow the products'
# order), are worked out first and the rows inserted with them by a plain executemany, as the raw inserts do.
# Asking RETURNING for them instead makes SQLAlchemy render every row into one statement (on PostgreSQL an
# INSERT … SELECT ordered by the rows' index, as RETURNING itself promises no order), which cost 0.08 ms a row
# against the executemany's 0.05 (docs/performance.md, finding 35). PostgreSQL: drawn from the outbox's sequence
# in one statement; the transaction id is the column default's own. SQLite: the numbers after the largest one,
# which SQLite would give the rows itself (a rowid without AUTOINCREMENT, in a table nothing deletes from), read
# inside the transaction, which holds the database's one write lock.
_DRAW_POSITIONS = text(
    "SELECT pg_current_xact_id()::text::bigint AS txid, nextval(pg_get_serial_sequence('outbox', 'sequence'))"
    " AS sequence FROM generate_series(1, :count)"
)
_LAST_SEQUENCE = select(func.coalesce(func.max(outbox.c.sequence), 0))
_REMEMBER = insert(idempotency_keys)


def _one_of(column: Column[str], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` equal to one of the list parameter `name`. PostgreSQL takes the list as one array (`= ANY`): an
    expanding IN is rendered again for every chunk with a cast per value (hundreds of skus a chunk), and psycopg
    parses the long text again, about 7% of a bulk create's CPU there (finding 23)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


_DIALECTS = ("postgresql", "sqlite")
_RECALL = {
    dialect: select(idempotency_keys).where(
        _one_of(idempotency_keys.c.caller, "callers", dialect), _one_of(idempotency_keys.c.key, "keys", dialect)
    )
    for dialect in _DIALECTS
}
_SLUGS_TAKEN = {d: select(products.c.slug).where(_one_of(products.c.slug, "values", d)) for d in _DIALECTS}
_SKUS_TAKEN = {d: select(skus.c.sku).where(_one_of(skus.c.sku, "values", d)) for d in _DIALECTS}
_SAVEPOINT = text("SAVEPOINT new_products")
_RELEASE = text("RELEASE SAVEPOINT new_products")
_ROLLBACK = text("ROLLBACK TO SAVEPOINT new_products")


class SqlNewProducts:
    def __init__(self, connection: SqlConnection, clock: Callable[[], datetime], partitions: int) -> None:
        self._connection = connection
        self._clock = clock
        self._partitions = partitions

    def now(self) -> datetime:
        return self._clock()

    @property
    def write_sees_every_taken_key(self) -> bool:
        return True  # products_slug_key and the skus table's primary key

    async def recall(self, claims: list[IdempotencyClaim]) -> dict[tuple[str, str], tuple[str, Outcome]]:
        wanted = {(claim.caller, claim.key) for claim in claims}
        parameters = {"callers": sorted({c for c, _ in wanted}), "keys": sorted({k for _, k in wanted})}
        return {
            (row.caller, row.key): (row.fingerprint, Outcome(row.aggregate_id, row.version, row.consistency_token))
            for row in await self._connection.execute(_RECALL[self._connection.dialect.name], parameters)
            if (row.caller, row.key) in wanted
        }

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        return await self._taken(_SLUGS_TAKEN, slugs)

    async def skus_taken(self, skus: list[str]) -> set[str]:
        return await self._taken(_SKUS_TAKEN, skus)

    async def _taken(self, statements: dict[str, Select[tuple[str]]], values: list[str]) -> set[str]:
        statement = statements[self._connection.dialect.name]
        return set((await self._connection.execute(statement, {"values": values})).scalars())

    async def _append(self, events: list[dict[str, Any]]) -> list[OutboxPosition]:
        """Appends `events` to the outbox; their positions, in the order given."""
        connection = self._connection
        if connection.dialect.name == "postgresql":
            drawn = await connection.execute(_DRAW_POSITIONS, {"count": len(events)})
            positions = sorted(OutboxPosition(row.txid, row.sequence) for row in drawn)
        else:
            last = (await connection.execute(_LAST_SEQUENCE)).scalar_one()
            positions = [OutboxPosition(0, last + number) for number in range(1, len(events) + 1)]
        rows = [event | {"sequence": at.sequence} for event, at in zip(events, positions, strict=True)]
        await connection.execute(_INSERT_OUTBOX, rows)
        return positions

    async def write(self, products: list[Product], claims: list[IdempotencyClaim | None]) -> list[Outcome] | None:
        written = [rows_to_write(product, self._partitions) for product in products]
        connection = self._connection
        await connection.execute(_SAVEPOINT)
        try:
            await connection.execute(_INSERT_PRODUCTS, [rows.row for rows in written])
            await connection.execute(_INSERT_SKUS, [row for rows in written for row in rows.skus])
            await connection.execute(_INSERT_VARIANTS, [row for rows in written for row in rows.variants])
            positions = await self._append([row for rows in written for row in rows.outbox])
            outcomes = []
            for product, rows in zip(products, written, strict=True):
                mine, positions = positions[: len(rows.outbox)], positions[len(rows.outbox) :]
                token = ConsistencyToken.of(mine, {rows.outbox[0]["partition"]})
                outcomes.append(Outcome(product.key, product.version, token.text()))
            now = self._clock()
            remembered = [
                idempotency_row(claim, outcome, now)
                for claim, outcome in zip(claims, outcomes, strict=True)
                if claim is not None
            ]
            if remembered:
                await connection.execute(_REMEMBER, remembered)
        except IntegrityError:
            await connection.execute(_ROLLBACK)
            await connection.execute(_RELEASE)
            return None
        await connection.execute(_RELEASE)
        for product in products:
            product.pending_events.clear()
        return outcomes
