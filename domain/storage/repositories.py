"""Repositories: load aggregates from rows (locking them for the command) and remember what was loaded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import CursorResult, Dialect, Executable, bindparam, select

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.orders import Order
from domain.model.webhooks import Webhook
from domain.storage.aggregate_rows import Columns, order_from_row, product_from_rows, webhook_from_row
from domain.storage.tables import orders, product_variants, products, skus, webhooks


class SqlConnection(Protocol):
    """What repositories and the unit of work need of a connection: AsyncConnection, or on SQLite's writer thread
    a synchronous connection behind the same awaitable methods (`sqlite_writer.BlockingConnection`)."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...


# Built once: a statement object with bound parameters is compiled once and found in SQLAlchemy's compiled cache
# by identity, where a statement rebuilt per call pays for its cache key every time.
_PRODUCT_BY_ID = select(products).where(products.c.id == bindparam("id")).with_for_update()
_PRODUCT_BY_SKU = (
    select(products)
    .join(skus, skus.c.product_id == products.c.id)
    .where(skus.c.sku == bindparam("sku"))
    .with_for_update(of=products)
)
_PRODUCTS_OF_SKUS = select(skus.c.sku, skus.c.product_id).where(skus.c.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_BY_IDS = (
    select(products)
    .where(products.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(products.c.id)
    .with_for_update()
)
_VARIANTS_OF = (
    select(product_variants)
    .where(product_variants.c.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(product_variants.c.product_id, product_variants.c.position)
)
_SLUGS_TAKEN = select(products.c.slug).where(products.c.slug.in_(bindparam("slugs", expanding=True)))
_ORDER_BY_ID = select(orders).where(orders.c.id == bindparam("id")).with_for_update()
_WEBHOOK_BY_ID = select(webhooks).where(webhooks.c.id == bindparam("id")).with_for_update()

A = TypeVar("A", bound=Aggregate)


async def variants_of(connection: SqlConnection, product_ids: Sequence[str]) -> dict[str, list[Columns]]:
    """The variant rows of these products, by product id, each product's in its order: one query for them all."""
    by_product: dict[str, list[Columns]] = defaultdict(list)
    if product_ids:
        for row in (await connection.execute(_VARIANTS_OF, {"ids": list(product_ids)})).mappings().all():
            by_product[row["product_id"]].append(row)
    return by_product


class Tracker:
    """Every aggregate a unit of work touched, with the version it had when loaded (None when new)."""

    def __init__(self) -> None:
        self.loaded_versions: dict[tuple[str, str], int | None] = {}
        self.aggregates: dict[tuple[str, str], Aggregate] = {}
        self.loaded_variants: dict[str, dict[str, dict[str, Any]]] = {}
        """Product id -> its variant rows as loaded, by variant id: a commit writes only the ones that changed."""

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
        row = (await self._connection.execute(_PRODUCT_BY_ID, {"id": product_id})).mappings().first()
        return None if row is None else (await self._loaded([row]))[0]

    async def get_by_sku(self, sku: str) -> Product | None:
        row = (await self._connection.execute(_PRODUCT_BY_SKU, {"sku": sku})).mappings().first()
        return None if row is None else (await self._loaded([row]))[0]

    async def lock_by_skus(self, skus: list[str]) -> dict[str, Product]:
        """The skus are resolved first, then their products locked in the order of their ids."""
        product_of = {
            row.sku: row.product_id for row in await self._connection.execute(_PRODUCTS_OF_SKUS, {"skus": skus})
        }
        if not product_of:
            return {}
        rows = await self._connection.execute(_PRODUCTS_BY_IDS, {"ids": sorted(set(product_of.values()))})
        loaded = {product.id: product for product in await self._loaded(rows.mappings().all())}
        return {sku: loaded[product_id] for sku, product_id in product_of.items() if product_id in loaded}

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        return set((await self._connection.execute(_SLUGS_TAKEN, {"slugs": slugs})).scalars())

    def add(self, product: Product) -> None:
        self._tracker.track(product, new=True)

    async def _loaded(self, rows: Sequence[Columns]) -> list[Product]:
        """The products of these rows, with their variants (read for those not loaded before in this unit)."""
        tracker = self._tracker
        fresh = [row["id"] for row in rows if tracker.known(Product.aggregate_type, row["id"]) is None]
        variants = await variants_of(self._connection, fresh)
        loaded = []
        for row in rows:
            known = tracker.known(Product.aggregate_type, row["id"])
            if isinstance(known, Product):
                loaded.append(known)
                continue
            product = product_from_rows(row, variants[row["id"]])
            tracker.track(product, new=False)
            tracker.loaded_variants[product.id] = {variant["id"]: dict(variant) for variant in variants[row["id"]]}
            loaded.append(product)
        return loaded


class _RepositoryById(Generic[A]):
    """Loads one kind of aggregate by id, locked, once per unit of work (a second `get` returns the same object)."""

    def __init__(
        self,
        connection: SqlConnection,
        tracker: Tracker,
        kind: type[A],
        by_id: Executable,
        from_row: Callable[[Columns], A],
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
        row = (await self._connection.execute(self._by_id, {"id": key})).mappings().first()
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
