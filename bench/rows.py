"""Write-model rows built by the domain model itself, for seeding and for the raw-insert baselines.

The rows are exactly what the unit of work would write for the same commands (the aggregate row and one outbox
row per event, the last carrying the aggregate's state), so the raw baselines insert the same bytes as our path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from domain.handlers import product_created_by
from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.inventory import StockReceipt
from domain.storage.tables import outbox, products
from domain.storage.unit_of_work import rows_to_write

INITIAL_STOCK = 1_000_000


@dataclass(slots=True)
class Rows:
    products: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)


def new_product(command: CreateProduct, *, stock: int = INITIAL_STOCK, now: datetime | None = None) -> Product:
    """A created product with stock received, events still pending (two events: created, stock received)."""
    now = now or datetime.now(UTC)
    created = product_created_by(command, now)
    if stock:
        created.receive_stock(StockReceipt.checked(created.sku, stock), now)
    return created


def product_rows(commands: Iterable[CreateProduct], *, stock: int = INITIAL_STOCK, partitions: int = 1) -> Rows:
    """`partitions`: the outbox's partition count, as the unit of work reads it from the database."""
    rows = Rows()
    for command in commands:
        created = new_product(command, stock=stock)
        row, appended = rows_to_write(created, partitions)
        rows.products.append(row)
        rows.outbox.extend(appended)
    return rows


def insert_rows(engine: Engine, rows: Rows) -> None:
    """One transaction, executemany per table: the fastest way SQLAlchemy Core writes a batch."""
    with engine.begin() as connection:
        if rows.products:
            connection.execute(insert(products), rows.products)
        if rows.outbox:
            connection.execute(insert(outbox), rows.outbox)


def chunks(start: int, stop: int, size: int) -> Iterator[tuple[int, int]]:
    for low in range(start, stop, size):
        yield low, min(low + size, stop)
