"""An in-memory unit of work implementing `domain/ports.py`, for handler and bus tests without I/O.

Like Cosmic Python's `FakeUnitOfWork`: what a unit of work loads is a copy of what was committed, so a refused
command leaves the store as it was, and `commit` writes every touched aggregate and its new events at once. It
keeps the contract of the SQL unit of work that the handlers and the bus rely on: new skus (a new product's, its
variants', an added variant's) that another product or variant has raise `SkuTaken`, a slug another product has
raises `SlugTaken`, an aggregate changed by another unit of work since it was loaded raises `TransientConflict`,
and the idempotency outcome is stored in the same commit as the command's changes.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.events import Event
from domain.model.orders import Order
from domain.model.snapshots import Snapshot
from domain.model.webhooks import Webhook
from domain.outbox import ConsistencyToken, OutboxPosition
from domain.ports import IdempotencyClaim, Outcome, SkuTaken, SlugTaken, TransientConflict

T = TypeVar("T")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    aggregate_type: str
    aggregate_id: str
    version: int
    event: Event
    state: Snapshot | None
    """The aggregate's snapshot after the event, on the last event of a commit for that aggregate only."""


@dataclass(slots=True)
class FakeStore:
    """What has been committed, shared by every unit of work of one factory."""

    products: dict[str, Product] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    outbox: list[StoredEvent] = field(default_factory=list)
    outcomes: dict[tuple[str, str], tuple[str, Outcome]] = field(default_factory=dict)
    transient_conflicts: int = 0
    """How many of the next commits fail with TransientConflict, as a serialization failure would."""
    before_commit: Callable[[], Awaitable[None]] | None = None
    """Runs once, at the next commit, before anything is checked: a concurrent command committing first."""
    commits: int = 0

    def product_by_sku(self, sku: str) -> Product | None:
        """The product with this sku, its own or one of its variants'."""
        return next((product for product in self.products.values() if sku in skus_of(product)), None)

    def product_by_slug(self, slug: str) -> Product | None:
        return next((product for product in self.products.values() if product.details.slug == slug), None)

    def events(self) -> list[str]:
        return [type(stored.event).__name__ for stored in self.outbox]


class FakeProductRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def get(self, product_id: str) -> Product | None:
        committed = self._uow.store.products.get(product_id)
        return None if committed is None else self._uow.loaded(committed)

    async def get_by_sku(self, sku: str) -> Product | None:
        committed = self._uow.store.product_by_sku(sku)
        return None if committed is None else self._uow.loaded(committed)

    async def lock_by_skus(self, skus: list[str]) -> dict[str, Product]:
        found = {sku: self._uow.store.product_by_sku(sku) for sku in skus}
        return {sku: self._uow.loaded(product) for sku, product in found.items() if product is not None}

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        return {slug for slug in slugs if self._uow.store.product_by_slug(slug) is not None}

    def add(self, product: Product) -> None:
        self._uow.track(product, loaded_version=None)


class FakeOrderRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def get(self, order_id: str) -> Order | None:
        committed = self._uow.store.orders.get(order_id)
        return None if committed is None else self._uow.loaded(committed)

    def add(self, order: Order) -> None:
        self._uow.track(order, loaded_version=None)


class FakeWebhookRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def get(self, webhook_id: str) -> Webhook | None:
        committed = self._uow.store.webhooks.get(webhook_id)
        return None if committed is None else self._uow.loaded(committed)

    def add(self, webhook: Webhook) -> None:
        self._uow.track(webhook, loaded_version=None)


class FakeUnitOfWork:
    def __init__(self, store: FakeStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self._clock = clock
        self._touched: dict[tuple[str, str], tuple[Aggregate, int | None]] = {}
        self._claim: IdempotencyClaim | None = None
        self.products = FakeProductRepository(self)
        self.orders = FakeOrderRepository(self)
        self.webhooks = FakeWebhookRepository(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._touched.clear()  # whatever was not committed is forgotten, as a rollback would

    def now(self) -> datetime:
        return self._clock()

    def loaded(self, committed: Any) -> Any:
        """The working copy of a committed aggregate; the same one each time within this unit of work."""
        identity = (committed.aggregate_type, committed.key)
        if identity not in self._touched:
            self.track(copy.deepcopy(committed), loaded_version=committed.version)
        return self._touched[identity][0]

    def track(self, aggregate: Aggregate, *, loaded_version: int | None) -> None:
        self._touched.setdefault((aggregate.aggregate_type, aggregate.key), (aggregate, loaded_version))

    async def recall(self, claim: IdempotencyClaim) -> tuple[str, Outcome] | None:
        return self.store.outcomes.get((claim.caller, claim.key))

    def claim(self, claim: IdempotencyClaim) -> None:
        self._claim = claim

    async def commit(self, primary: Aggregate) -> Outcome:
        if self.store.before_commit is not None:
            concurrent, self.store.before_commit = self.store.before_commit, None
            await concurrent()
        if self.store.transient_conflicts:
            self.store.transient_conflicts -= 1
            raise TransientConflict("a concurrent transaction won")
        changed = [(aggregate, loaded) for aggregate, loaded in self._touched.values() if aggregate.pending_events]
        for aggregate, loaded in changed:
            self._check(aggregate, loaded)
        first = len(self.store.outbox) + 1
        for aggregate, _ in changed:
            self._write(aggregate)
        written = [OutboxPosition(0, sequence) for sequence in range(first, len(self.store.outbox) + 1)]
        token = ConsistencyToken.of(written, [0]).text() if written else None
        outcome = Outcome(primary.key, primary.version, token)
        if self._claim is not None:
            self.store.outcomes[(self._claim.caller, self._claim.key)] = (self._claim.fingerprint, outcome)
        self.store.commits += 1
        return outcome

    def _check(self, aggregate: Aggregate, loaded_version: int | None) -> None:
        committed = self._committed(aggregate)
        if loaded_version is not None and (
            committed.get(aggregate.key) is None or committed[aggregate.key].version != loaded_version
        ):
            raise TransientConflict(f"{aggregate.aggregate_type} {aggregate.key} changed concurrently")
        if isinstance(aggregate, Product):
            before = committed.get(aggregate.key)
            new_skus = [sku for sku in skus_of(aggregate) if before is None or sku not in skus_of(before)]
            taken = tuple(sku for sku in new_skus if self.store.product_by_sku(sku) not in (None, before))
            if taken:
                raise SkuTaken(taken)
            if self.store.product_by_slug(aggregate.details.slug) not in (None, before):
                raise SlugTaken(aggregate.details.slug)

    def _write(self, aggregate: Aggregate) -> None:
        events = aggregate.pending_events
        first_version = aggregate.version - len(events) + 1
        for i, event in enumerate(events):
            state = aggregate.snapshot() if i == len(events) - 1 else None
            self.store.outbox.append(
                StoredEvent(aggregate.aggregate_type, aggregate.key, first_version + i, event, state)
            )
        aggregate.pending_events = []
        self._committed(aggregate)[aggregate.key] = copy.deepcopy(aggregate)

    def _committed(self, aggregate: Aggregate) -> dict[str, Any]:
        if isinstance(aggregate, Webhook):
            return self.store.webhooks
        return self.store.products if isinstance(aggregate, Product) else self.store.orders


def skus_of(product: Product) -> list[str]:
    """A product's own sku (first) and its variants' (the sku registry's rows of the SQL store)."""
    return list(dict.fromkeys([product.sku, *(variant.sku for variant in product.variants)]))


class FakeUnitOfWorkFactory:
    def __init__(self, store: FakeStore | None = None, clock: Callable[[], datetime] = lambda: NOW) -> None:
        self.store = store or FakeStore()
        self._clock = clock

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self._clock)

    async def run(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        return await attempt()

    def batch(self) -> FakeBatch:
        return FakeBatch(self)


class FakeBatch:
    """Rows in one transaction: each row's unit of work commits into the store as usual (a refused row wrote
    nothing), and leaving the batch without `commit` puts back what the store held when it began."""

    new_products = None  # rows run one by one

    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self._factory = factory
        self._before: FakeStore | None = None

    def __call__(self) -> FakeUnitOfWork:
        return self._factory()

    async def __aenter__(self) -> Self:
        store = self._factory.store
        self._before = FakeStore(
            products=copy.deepcopy(store.products),
            orders=copy.deepcopy(store.orders),
            webhooks=copy.deepcopy(store.webhooks),
            outbox=list(store.outbox),
            outcomes=dict(store.outcomes),
        )
        return self

    async def commit(self) -> None:
        self._before = None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._before is not None:
            store = self._factory.store
            store.products, store.orders = self._before.products, self._before.orders
            store.webhooks = self._before.webhooks
            store.outbox, store.outcomes = self._before.outbox, self._before.outcomes
