"""Real events for the sync tests: commands through the real bus into the real outbox (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from decimal import Decimal

from domain.bus import MessageBus
from domain.model.commands import (
    AdjustStock,
    CancelOrder,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
    OrderLineRequest,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    ShipOrder,
    UpdateProductDetails,
)


@dataclass
class Catalog:
    """What a workload created: product id and price by sku, and order ids."""

    products: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)
    discontinued: set[str] = field(default_factory=set)
    commands: int = 0

    @property
    def product_ids(self) -> list[str]:
        return [product_id for product_id, _ in self.products.values()]


async def create_products(bus: MessageBus, catalog: Catalog, count: int, *, tag: str = "P", stock: int = 50) -> None:
    start = len(catalog.products)
    for i in range(start, start + count):
        sku = f"{tag}-{i:05d}"
        price = Decimal(f"{10 + i % 7}.50")
        outcome = await bus.dispatch(
            CreateProduct(
                sku=sku,
                name=f"Oak chair {i}",
                price_amount=price,
                price_currency="EUR",
                brand="Acme",
                category_path=("Furniture", "Chairs"),
                attributes=(("colour", "oak"),),
            )
        )
        catalog.products[sku] = (outcome.aggregate_id, price)
        catalog.commands += 1
        if stock:
            await bus.dispatch(ReceiveStock(sku=sku, quantity=stock))
            catalog.commands += 1


async def churn(bus: MessageBus, catalog: Catalog, steps: int, *, seed: int = 7, discontinue: bool = True) -> None:
    """Product changes and orders through their whole life: every aggregate type, every kind of event."""
    rng = random.Random(seed)
    skus = sorted(set(catalog.products) - catalog.discontinued)
    for _ in range(steps):
        sku = rng.choice(skus)
        product_id, price = catalog.products[sku]
        roll = rng.random()
        if roll < 0.2:
            new_price = price + Decimal("1.00")
            await bus.dispatch(ChangeProductPrice(product_id=product_id, price_amount=new_price, price_currency="EUR"))
            catalog.products[sku] = (product_id, new_price)
        elif roll < 0.3:
            await bus.dispatch(UpdateProductDetails(product_id=product_id, description=f"changed {rng.random():.6f}"))
        elif roll < 0.4:
            await bus.dispatch(AdjustStock(sku=sku, delta=rng.randint(1, 5), reason="count"))
        elif roll < 0.8:
            await _order_life(bus, catalog, sku, price, rng)
        elif roll < 0.82 and discontinue:
            await bus.dispatch(DiscontinueProduct(product_id=product_id))
            catalog.discontinued.add(sku)
            skus.remove(sku)
            if not skus:
                return
        else:
            await bus.dispatch(ReceiveStock(sku=sku, quantity=rng.randint(1, 10)))
        catalog.commands += 1


async def _order_life(bus: MessageBus, catalog: Catalog, sku: str, price: Decimal, rng: random.Random) -> None:
    quantity = rng.randint(1, 2)
    placed = await bus.dispatch(PlaceOrder(customer_id="cust-1", lines=(OrderLineRequest(sku=sku, quantity=quantity),)))
    catalog.orders.append(placed.aggregate_id)
    ending = rng.random()
    if ending < 0.3:
        return
    if ending < 0.45:
        await bus.dispatch(CancelOrder(order_id=placed.aggregate_id, reason="changed my mind"))
        return
    await bus.dispatch(PayOrder(order_id=placed.aggregate_id, amount=price * quantity, currency="EUR"))
    if ending < 0.8:
        await bus.dispatch(ShipOrder(order_id=placed.aggregate_id))


async def write_until(stop: asyncio.Event, bus: MessageBus, catalog: Catalog) -> None:
    """Churns in rounds until `stop` is set (so that whatever a test does meanwhile lands mid-stream)."""
    rounds = 0
    while not stop.is_set():
        await churn(bus, catalog, 10, seed=rounds, discontinue=False)
        rounds += 1
