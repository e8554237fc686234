"""Write-model rows built by the domain model itself, for seeding and for the raw-insert baselines.

The rows are exactly what the unit of work would write for the same commands (the aggregate row, a product's
variant rows and sku registry rows, and one outbox row per event, the last carrying the aggregate's state), so
the raw baselines insert the same bytes as our path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.inventory import StockReceipt
from domain.model.new_products import product_created_by
from domain.storage.aggregate_rows import AggregateRows, Columns, rows_to_write
from domain.storage.tables import outbox, product_variants, products, skus

INITIAL_STOCK = 1_000_000


@dataclass(slots=True)
class Rows:
    products: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    skus: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def add(self, written: AggregateRows) -> None:
        """A new product's rows (all of them: its row, variants, skus and events)."""
        self.products.append(written.row)
        self.variants.extend(written.variants)
        self.skus.extend(written.skus)
        self.outbox.extend(written.outbox)


def new_product(command: CreateProduct, *, stock: int = INITIAL_STOCK, now: datetime | None = None) -> Product:
    """A created product with stock received by each of its variants, events still pending (created, then one
    stock received per variant)."""
    now = now or datetime.now(UTC)
    created = product_created_by(command, now)
    if stock:
        for variant in created.variants:
            created.receive_stock(StockReceipt.checked(variant.sku, stock), now)
    return created


def product_rows(commands: Iterable[CreateProduct], *, stock: int = INITIAL_STOCK, partitions: int = 1) -> Rows:
    """`partitions`: the outbox's partition count, as the unit of work reads it from the database."""
    rows = Rows()
    for command in commands:
        rows.add(rows_to_write(new_product(command, stock=stock), partitions))
    return rows


def insert_rows(engine: Engine, rows: Rows) -> None:
    """One transaction, executemany per table: the fastest way SQLAlchemy Core writes a batch."""
    with engine.begin() as connection:
        insert_in(connection, rows)


def insert_in(connection: Connection, rows: Rows) -> None:
    for table, values in ((products, rows.products), (product_variants, rows.variants), (skus, rows.skus),
                          (outbox, rows.outbox)):  # fmt: skip
        if values:
            connection.execute(insert(table), values)


Known = dict[str, tuple[Columns, list[Columns]]]
"""Purchasable sku -> its product's row and variant rows: what a raw order needs to know of its products."""


def known_products(connection: Connection, limit: int) -> Known:
    """The first `limit` products (by sku), by the sku of each of their variants."""
    rows = connection.execute(select(products).order_by(products.c.sku).limit(limit)).mappings().all()
    by_product: dict[str, list[Columns]] = defaultdict(list)
    query = select(product_variants).order_by(product_variants.c.product_id, product_variants.c.position)
    variants = connection.execute(query.where(product_variants.c.product_id.in_([row["id"] for row in rows])))
    for variant in variants.mappings():
        by_product[variant["product_id"]].append(variant)
    return {variant["sku"]: (row, by_product[row["id"]]) for row in rows for variant in by_product[row["id"]]}


def chunks(start: int, stop: int, size: int) -> Iterator[tuple[int, int]]:
    for low in range(start, stop, size):
        yield low, min(low + size, stop)
