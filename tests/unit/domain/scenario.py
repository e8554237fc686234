"""A bus on the in-memory unit of work, with the few steps handler tests share: stock a product, place an order,
and run a command that must be refused (returning its codes and fields, after checking it stored nothing)."""

from __future__ import annotations

from domain.bus import CommandContext, MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import Command, CreateProduct, OrderLineRequest, PlaceOrder, ReceiveStock
from domain.model.errors import DomainError
from domain.ports import Outcome, Precheck
from tests.unit.domain.fakes import FakeStore, FakeUnitOfWorkFactory

Refusal = list[tuple[str, str | None]]


class Scenario:
    def __init__(self, *, max_attempts: int = 3, prechecks: dict[type[Command], Precheck] | None = None) -> None:
        self.factory = FakeUnitOfWorkFactory()
        self.committed_callbacks = 0
        self.bus = MessageBus(
            self.factory,
            COMMAND_HANDLERS,
            max_attempts=max_attempts,
            on_committed=self._count_committed,
            prechecks=prechecks,
        )

    @property
    def store(self) -> FakeStore:
        return self.factory.store

    def _count_committed(self) -> None:
        self.committed_callbacks += 1

    async def run(self, command: Command, *, caller: str = "staff", key: str | None = None) -> Outcome:
        return await self.bus.dispatch(command, CommandContext(caller, key))

    async def refusal(self, command: Command, *, caller: str = "staff", key: str | None = None) -> Refusal:
        """The (code, field) of every problem of a refused command, which must have stored nothing."""
        before = self._stored()
        try:
            await self.run(command, caller=caller, key=key)
        except DomainError as error:
            assert self._stored() == before
            return [(problem.code.value, problem.field) for problem in error.problems]
        raise AssertionError(f"{command} was not refused")

    def _stored(self) -> tuple[object, ...]:
        store = self.store
        products = {key: product.snapshot() for key, product in store.products.items()}
        orders = {key: order.snapshot() for key, order in store.orders.items()}
        webhooks = {key: webhook.snapshot() for key, webhook in store.webhooks.items()}
        return products, orders, webhooks, len(store.outbox), dict(store.outcomes), store.commits

    async def product(self, sku: str = "OAK-1", *, price: str = "10.00", stock: int = 5, currency: str = "EUR") -> str:
        created = await self.run(
            CreateProduct(sku=sku, name=f"Chair {sku}", price_amount=price, price_currency=currency)
        )
        if stock:
            await self.run(ReceiveStock(sku=sku, quantity=stock))
        return created.aggregate_id

    async def order(self, *lines: tuple[str, int], customer: str = "c-1") -> Outcome:
        requests = tuple(OrderLineRequest(sku=sku, quantity=quantity) for sku, quantity in lines)
        return await self.run(PlaceOrder(customer_id=customer, lines=requests))

    def stock(self, sku: str) -> tuple[int, int]:
        """(on hand, reserved) of the sku's variant as committed."""
        product = self.store.product_by_sku(sku)
        assert product is not None
        stock = product.stock_of(sku)
        return stock.on_hand, stock.reserved
