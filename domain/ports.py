"""What the handlers need from the outside world, as Protocols; storage implements them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.orders import Order
from domain.model.webhook_urls import EndpointUrl
from domain.model.webhooks import Webhook

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a successful command returns: which aggregate, at which version, and how to read it back."""

    aggregate_id: str
    version: int
    consistency_token: str | None


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    caller: str
    key: str
    fingerprint: str


class TransientConflict(Exception):
    """The store refused a transaction because of a concurrent one; running the command again may succeed."""


class StoreUnavailable(Exception):
    """The store could not run the command: unreachable, restarting, out of connections or disk, locked by another
    process. Nothing was written; the same command may be sent again later."""


class CommitOutcomeUnknown(StoreUnavailable):
    """The connection to the store was lost while the command's COMMIT was under way: it may or may not have been
    written. Sending it again with the same idempotency key is safe either way."""


class SkuTaken(Exception):
    """The store refused new skus (a new product's, its variants', an added variant's) that another product or
    variant has: skus are unique across all products and variants."""

    def __init__(self, skus: tuple[str, ...]) -> None:
        super().__init__(f"sku {', '.join(skus)} is taken")
        self.skus = skus


class SlugTaken(Exception):
    """The store refused a product's slug because another product has it."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"slug {slug} is taken")
        self.slug = slug


class ProductRepository(Protocol):
    async def get(self, product_id: str) -> Product | None: ...

    async def get_by_sku(self, sku: str) -> Product | None:
        """The product with this sku, its own or one of its variants'."""
        ...

    async def lock_by_skus(self, skus: list[str]) -> dict[str, Product]:
        """Loads and locks the products of these skus (a product may have several of them), by sku, in the order of
        their ids, so concurrent orders cannot deadlock."""
        ...

    async def slugs_taken(self, slugs: list[str]) -> set[str]:
        """Those of `slugs` that products have."""
        ...

    def add(self, product: Product) -> None: ...


class OrderRepository(Protocol):
    async def get(self, order_id: str) -> Order | None: ...

    def add(self, order: Order) -> None: ...


class WebhookRepository(Protocol):
    async def get(self, webhook_id: str) -> Webhook | None: ...

    def add(self, webhook: Webhook) -> None: ...


class UnitOfWork(Protocol):
    @property
    def products(self) -> ProductRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def now(self) -> datetime: ...

    async def recall(self, claim: IdempotencyClaim) -> tuple[str, Outcome] | None:
        """The fingerprint and outcome stored under this caller's key, if an earlier command succeeded with it."""
        ...

    def claim(self, claim: IdempotencyClaim) -> None:
        """Stores the outcome under this key in the same transaction as the command's changes."""
        ...

    async def commit(self, primary: Aggregate) -> Outcome:
        """Writes every changed aggregate and its new events to the outbox in one transaction; raises SkuTaken
        when a new sku belongs to another product or variant, SlugTaken when a product's slug to another product."""
        ...


class NewProducts(Protocol):
    """A batch's way to write many new products at once (`domain/product_batches.py` decides when it may): a
    query for many keys, skus or slugs at a time, one write for all the products."""

    def now(self) -> datetime: ...

    @property
    def write_sees_every_taken_key(self) -> bool:
        """True when `write` refuses (None) products whose sku or slug any product has, so that the batch need not
        ask `skus_taken` and `slugs_taken` first (a unique constraint refuses them); False when something beside
        what `write` sees takes slugs too (a dry run's ledger)."""
        ...

    async def recall(self, claims: list[IdempotencyClaim]) -> dict[tuple[str, str], tuple[str, Outcome]]:
        """The fingerprint and outcome stored under each of these claims' keys that has one, by (caller, key)."""
        ...

    async def slugs_taken(self, slugs: list[str]) -> set[str]: ...

    async def skus_taken(self, skus: list[str]) -> set[str]:
        """Those of `skus` a product or variant has."""
        ...

    async def write(self, products: list[Product], claims: list[IdempotencyClaim | None]) -> list[Outcome] | None:
        """Writes the new products, their outbox records in their order and each one's idempotency claim; None,
        with nothing of them written, when a unique constraint refused them (a sku or slug another product has,
        or a concurrent writer got there)."""
        ...


@dataclass(frozen=True, slots=True)
class KeptProduct:
    """A product an earlier chunk of a dry run would have written: its skus (its own and its variants') and its
    slug as written, and the command that writes it again (that slug given)."""

    skus: tuple[str, ...]
    slug: str
    command: CreateProduct


class DryRunLedger(Protocol):
    """What the earlier chunks of a dry run would have written, kept outside their rolled-back transactions
    (domain/dry_runs.py decides what goes in and what a chunk gets back). Plain calls, not coroutines: a local
    scratch store of the command line's, never a request's."""

    def keep(self, products: Sequence[KeptProduct], receipts: Sequence[tuple[str, int]]) -> None:
        """Keeps these products and receipts (sku, quantity: added to what the sku received before)."""
        ...

    def products_meeting(self, skus: Iterable[str], slugs: Iterable[str]) -> Iterator[CreateProduct]:
        """The commands of the kept products that have one of `skus` or `slugs`, in the order kept."""
        ...

    def slugs_taken(self, slugs: Iterable[str]) -> set[str]:
        """Those of `slugs` kept products have."""
        ...

    def received(self, skus: Iterable[str]) -> dict[str, int]:
        """What kept receipts brought to each of `skus` that has any."""
        ...


class UnitOfWorkBatch(Protocol):
    """One transaction for several commands: each unit of work it hands out runs inside it under a savepoint,
    so a refused command is rolled back alone; nothing is durable before the batch's `commit`. `new_products`,
    when the store has it, writes many new products at once in the same transaction."""

    @property
    def new_products(self) -> NewProducts | None: ...

    def __call__(self) -> UnitOfWork: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...

    def batch(self) -> UnitOfWorkBatch:
        """A transaction for several commands, used inside one `run` attempt."""
        ...

    async def run(self, attempt: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Runs one attempt of a command (its units of work) where the store runs its transactions best: on
        SQLite, its single writer thread, so an attempt costs one thread hop instead of one per SQL statement."""
        ...


Handler = Callable[[Any, UnitOfWork], Awaitable[Outcome]]

Precheck = Callable[[Any], Awaitable[None]]
"""A check of a command that needs I/O no transaction should wait for (resolving a webhook's host name): the bus
runs it once, before the command's first attempt, and it refuses the command by raising a DomainError."""


class WebhookTargets(Protocol):
    """Whether deliveries may reach a webhook URL's host, as it resolves now (`domain/model/webhook_urls.py`)."""

    async def refusal(self, url: EndpointUrl) -> str | None:
        """Why no delivery may go to `url`, in words for the caller; None when it may."""
        ...
