"""The transaction of a dry-run chunk as its rows see it: a slug is taken when the database has it or when an earlier
chunk would have written it (the ledger has it). Everything else goes to the batch as it is.

Why for slugs alone: a made slug is the first of its candidates no product has, so a later row's made slug depends
on every slug of its family the earlier rows got (a name repeated a thousand times: a thousand of them). Writing
them all again into each chunk's transaction, as domain/dry_runs.py writes the products whose skus or given slug
the chunk's rows have, would cost each chunk as many products as the file has had of the name; asking the ledger
along with the database costs what the import's own look-ups cost.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.ports import (
    DryRunLedger,
    IdempotencyClaim,
    NewProducts,
    OrderRepository,
    Outcome,
    ProductRepository,
    UnitOfWork,
    UnitOfWorkBatch,
    WebhookRepository,
)

W = TypeVar("W")
E = TypeVar("E", bound=AbstractAsyncContextManager[Any])


class _SeeingLedger(Generic[W]):
    def __init__(self, inner: W, ledger: DryRunLedger) -> None:
        self._inner = inner
        self._ledger = ledger


class _Entered(_SeeingLedger[E]):
    """Enters and leaves the context of what it wraps, a batch or a unit of work."""

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


class BatchSeeingLedgerSlugs(_Entered[UnitOfWorkBatch]):
    """A dry-run chunk's batch, with the ledger's slugs taken too."""

    @property
    def new_products(self) -> NewProducts | None:
        new = self._inner.new_products
        return None if new is None else _NewProducts(new, self._ledger)

    def __call__(self) -> UnitOfWork:
        return _UnitOfWork(self._inner(), self._ledger)

    async def commit(self) -> None:
        await self._inner.commit()


class _NewProducts(_SeeingLedger[NewProducts]):
    def now(self) -> datetime:
        return self._inner.now()

    @property
    def write_sees_every_taken_key(self) -> bool:
        return False  # the ledger's slugs are in no table the write meets

    async def recall(self, claims: list[IdempotencyClaim]) -> dict[tuple[str, str], tuple[str, Outcome]]:
        return await self._inner.recall(claims)

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        return await self._inner.slugs_taken(slugs) | self._ledger.slugs_taken(slugs)

    async def skus_taken(self, skus: list[str]) -> set[str]:
        return await self._inner.skus_taken(skus)

    async def write(self, products: list[Product], claims: list[IdempotencyClaim | None]) -> list[Outcome] | None:
        return await self._inner.write(products, claims)


class _UnitOfWork(_Entered[UnitOfWork]):
    @property
    def products(self) -> ProductRepository:
        return _Products(self._inner.products, self._ledger)

    @property
    def orders(self) -> OrderRepository:
        return self._inner.orders

    @property
    def webhooks(self) -> WebhookRepository:
        return self._inner.webhooks

    def now(self) -> datetime:
        return self._inner.now()

    async def recall(self, claim: IdempotencyClaim) -> tuple[str, Outcome] | None:
        return await self._inner.recall(claim)

    def claim(self, claim: IdempotencyClaim) -> None:
        self._inner.claim(claim)

    async def commit(self, primary: Aggregate) -> Outcome:
        return await self._inner.commit(primary)


class _Products(_SeeingLedger[ProductRepository]):
    async def get(self, product_id: str) -> Product | None:
        return await self._inner.get(product_id)

    async def get_by_sku(self, sku: str) -> Product | None:
        return await self._inner.get_by_sku(sku)

    async def lock_by_skus(self, skus: list[str]) -> dict[str, Product]:
        return await self._inner.lock_by_skus(skus)

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        return await self._inner.slugs_taken(slugs) | self._ledger.slugs_taken(slugs)

    def add(self, product: Product) -> None:
        self._inner.add(product)
