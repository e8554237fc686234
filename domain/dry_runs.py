"""A dry run across chunks: each chunk runs in a transaction that is rolled back, yet its rows meet what the
earlier chunks would have written, so the dry run refuses exactly the rows the import of the same rows would.

What a later row of an import can meet of an earlier one: a CreateProduct meets the skus (its own and its
variants') and slugs of the products created before (a made slug skips the taken ones, so it never refuses, but
the slug it gets can refuse a later row that asks for it); a ReceiveStock meets the stock earlier receipts
brought to its product (on hand stays within its limit, summed over the product's variants). So:

- after a chunk's rows ran, before the rollback, what it would have kept goes to the ledger (a `DryRunLedger`):
  each product it created, with its skus and slug as written, and each receipt. Only rows that ran now: a row
  refused (for any reason) keeps nothing, and a row answered with the outcome an earlier, real run of the same
  rows stored under its idempotency key is in the database already;
- before the next chunk's rows run, its transaction gets back what the ledger kept that they can meet: the
  products holding one of their skus or given slugs are created again (their command, with the slug each got),
  and the receipts of their products' skus are received again; and the rows look their made slugs up in the
  ledger as well as in the database (domain/dry_run_slugs.py).

Anything else the earlier chunks kept cannot change a later row's answer, so a chunk's transaction grows with
the chunk, not with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from domain.dry_run_slugs import BatchSeeingLedgerSlugs
from domain.model.catalog import Product
from domain.model.commands import Command, CreateProduct, ReceiveStock
from domain.model.errors import DomainError
from domain.model.inventory import StockReceipt
from domain.model.new_products import product_created_by
from domain.ports import DryRunLedger, Handler, IdempotencyClaim, KeptProduct, Outcome, UnitOfWorkBatch

C = TypeVar("C", bound=Command)
T = TypeVar("T")


class DryRunChunk:
    """One chunk of a dry run: `restore` before its rows run, `look_back` after them (both in the chunk's
    transaction, again on each attempt), `remember` once the chunk is done. `commands` and `claims`: the rows'."""

    def __init__(self, ledger: DryRunLedger, commands: Sequence[Command], claims: Sequence[IdempotencyClaim | None]):
        self._ledger = ledger
        self._commands = commands
        self._claims = claims
        now = datetime.now(UTC)
        # what the rows ask for, checked (a made slug without its suffix); a row refused here meets nothing
        self._products = _checked(commands, CreateProduct, lambda command: product_created_by(command, now))
        self._receipts = _checked(
            commands, ReceiveStock, lambda command: StockReceipt.checked(command.sku, command.quantity)
        )
        self._answered_before: set[int] = set()
        self._kept: tuple[list[KeptProduct], list[tuple[str, int]]] = ([], [])

    async def restore(self, batch: UnitOfWorkBatch, handlers: Mapping[type[Command], Handler]) -> UnitOfWorkBatch:
        """Writes again, in the chunk's transaction, what earlier chunks would have kept that its rows can meet;
        notes the rows an earlier real run answered. Returns the batch as the rows are to see it."""
        products = self._products.values()
        skus = [sku for product in products for sku in _skus(product)]
        given = [product.details.slug for index, product in self._products.items() if self._given_slug(index)]
        for command in self._ledger.products_meeting(skus, given):
            # refused only when another writer took its sku or slug meanwhile: taken all the same
            with suppress(DomainError):
                async with batch() as uow:
                    await handlers[CreateProduct](command, uow)
        if self._receipts:
            await self._receive_again(batch)
        self._answered_before = await _answered_before(batch, self._claims)
        return BatchSeeingLedgerSlugs(batch, self._ledger)

    async def look_back(self, batch: UnitOfWorkBatch, answers: Sequence[object]) -> None:
        """Notes what the rows that ran now would keep (to `remember` once the chunk is done)."""
        ran = {index for index, answer in enumerate(answers) if isinstance(answer, Outcome)} - self._answered_before
        created = {index: self._products[index].sku for index in ran if index in self._products}
        kept: list[KeptProduct] = []
        if created:
            async with batch() as uow:
                written = await uow.products.lock_by_skus(list(created.values()))
            for index, sku in created.items():
                product, command = written[sku], self._commands[index]
                assert isinstance(command, CreateProduct)
                slug = product.details.slug
                kept.append(KeptProduct(_skus(product), slug, replace(command, slug=slug)))
        receipts = [(receipt.sku, receipt.quantity) for index, receipt in self._receipts.items() if index in ran]
        self._kept = (kept, receipts)

    def remember(self) -> None:
        self._ledger.keep(*self._kept)

    def _given_slug(self, index: int) -> bool:
        command = self._commands[index]
        return isinstance(command, CreateProduct) and command.slug is not None

    async def _receive_again(self, batch: UnitOfWorkBatch) -> None:
        """The stock earlier receipts brought to the products of the chunk's skus, received again at once."""
        async with batch() as uow:
            loaded = await uow.products.lock_by_skus(sorted({receipt.sku for receipt in self._receipts.values()}))
            products = list({product.id: product for product in loaded.values()}.values())
            received = self._ledger.received(sku for product in products for sku in _skus(product))
            changed = []
            for product in products:
                again = [StockReceipt(sku, received[sku]) for sku in _skus(product) if sku in received]
                for receipt in again:  # unchecked: more than one receipt's worth, never past the product's limit
                    product.receive_stock(receipt, uow.now())
                if again:
                    changed.append(product)
            if changed:
                await uow.commit(changed[0])


def _skus(product: Product) -> tuple[str, ...]:
    return tuple(dict.fromkeys([product.sku, *(variant.sku for variant in product.variants)]))


def _checked(commands: Sequence[Command], kind: type[C], check: Callable[[C], T]) -> dict[int, T]:
    """`check` of each command of this kind that passes it, by row."""
    checked = {}
    for index, command in enumerate(commands):
        if isinstance(command, kind):
            with suppress(DomainError):
                checked[index] = check(command)
    return checked


async def _answered_before(batch: UnitOfWorkBatch, claims: Sequence[IdempotencyClaim | None]) -> set[int]:
    """The rows whose idempotency key has an outcome stored by an earlier run: one query where the store has it."""
    keyed = [(index, claim) for index, claim in enumerate(claims) if claim is not None]
    new = batch.new_products
    if new is not None:
        stored = await new.recall([claim for _, claim in keyed]) if keyed else {}
        return {index for index, claim in keyed if (claim.caller, claim.key) in stored}
    async with batch() as uow:
        return {index for index, claim in keyed if await uow.recall(claim) is not None}
