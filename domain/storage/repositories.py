"""Repositories: load aggregates from rows (locking them for the command) and remember what was loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import CursorResult, Executable, bindparam, select

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.orders import Order
from domain.model.webhooks import Webhook
from domain.storage.aggregate_rows import order_from_row, product_from_row, webhook_from_row
from domain.storage.tables import orders, products, webhooks


class SqlConnection(Protocol):
    """What repositories and the unit of work need of a connection: AsyncConnection, or on SQLite's writer thread
    a synchronous connection behind the same awaitable methods (`sqlite_writer.BlockingConnection`)."""

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...


# Built once: a statement object with bound parameters is compiled once and found in SQLAlchemy's compiled cache
# by identity, where a statement rebuilt per call pays for its cache key every time.
_PRODUCT_BY_ID = select(products).where(products.c.id == bindparam("id")).with_for_update()
_PRODUCT_BY_SKU = select(products).where(products.c.sku == bindparam("sku")).with_for_update()
_PRODUCTS_BY_SKUS = (
    select(products)
    .where(products.c.sku.in_(bindparam("skus", expanding=True)))
    .order_by(products.c.sku)
    .with_for_update()
)
A = TypeVar("A", bound=Aggregate)

_ORDER_BY_ID = select(orders).where(orders.c.id == bindparam("id")).with_for_update()
_WEBHOOK_BY_ID = select(webhooks).where(webhooks.c.id == bindparam("id")).with_for_update()


class Tracker:
    """Every aggregate a unit of work touched, with the version it had when loaded (None when new)."""

    def __init__(self) -> None:
        self.loaded_versions: dict[tuple[str, str], int | None] = {}
        self.aggregates: dict[tuple[str, str], Aggregate] = {}

    def track(self, aggregate: Aggregate, *, new: bool) -> None:
        identity = (aggregate.aggregate_type, aggregate.key)
        if identity not in self.aggregates:
            self.aggregates[identity] = aggregate
            self.loaded_versions[identity] = None if new else aggregate.version

    def known(self, aggregate_type: str, key: str) -> Aggregate | None:
        return self.aggregates.get((aggregate_type, key))


class SqlProductRepository:
    def __init__(self, connection: SqlConnection, tracker: Tracker) -> None:
        self._connection = connection
        self._tracker = tracker

    async def get(self, product_id: str) -> Product | None:
        row = (await self._connection.execute(_PRODUCT_BY_ID, {"id": product_id})).first()
        return None if row is None else self._loaded(row)

    async def get_by_sku(self, sku: str) -> Product | None:
        row = (await self._connection.execute(_PRODUCT_BY_SKU, {"sku": sku})).first()
        return None if row is None else self._loaded(row)

    async def lock_by_skus(self, skus: list[str]) -> dict[str, Product]:
        result = await self._connection.execute(_PRODUCTS_BY_SKUS, {"skus": skus})
        return {product.sku: product for product in map(self._loaded, result)}

    def add(self, product: Product) -> None:
        self._tracker.track(product, new=True)

    def _loaded(self, row: Any) -> Product:
        known = self._tracker.known(Product.aggregate_type, row.id)
        if isinstance(known, Product):
            return known
        product = product_from_row(row)
        self._tracker.track(product, new=False)
        return product


class _RepositoryById(Generic[A]):
    """Loads one kind of aggregate by id, locked, once per unit of work (a second `get` returns the same object)."""

    def __init__(
        self,
        connection: SqlConnection,
        tracker: Tracker,
        kind: type[A],
        by_id: Executable,
        from_row: Callable[[Any], A],
    ) -> None:
        self._connection = connection
        self._tracker = tracker
        self._kind = kind
        self._by_id = by_id
        self._from_row = from_row

    async def get(self, key: str) -> A | None:
        known = self._tracker.known(self._kind.aggregate_type, key)
        if isinstance(known, self._kind):
            return known
        row = (await self._connection.execute(self._by_id, {"id": key})).first()
        if row is None:
            return None
        aggregate = self._from_row(row)
        self._tracker.track(aggregate, new=False)
        return aggregate

    def add(self, aggregate: A) -> None:
        self._tracker.track(aggregate, new=True)


class SqlOrderRepository(_RepositoryById[Order]):
    def __init__(self, connection: SqlConnection, tracker: Tracker) -> None:
        super().__init__(connection, tracker, Order, _ORDER_BY_ID, order_from_row)


class SqlWebhookRepository(_RepositoryById[Webhook]):
    def __init__(self, connection: SqlConnection, tracker: Tracker) -> None:
        super().__init__(connection, tracker, Webhook, _WEBHOOK_BY_ID, webhook_from_row)
