"""A few demo customers' orders, generated deterministically: placed, some paid, some of those shipped.

Orders buy from the purchasable skus (variants) of the first `ORDER_POOL` products only, so every catalog of at
least that many products has the same orders (and a second seed with another `--products` finds them already
placed). No order reserves more than a sku has on hand, counting the orders before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from api.demo.assortment import stock_levels
from api.demo.catalog_data import CURRENCY, SEED, product
from domain.model.commands import CreateProduct, OrderLineRequest

CUSTOMERS = ("demo-ada", "demo-grace", "demo-alan", "demo-barbara", "demo-edsger")
DEMO_CUSTOMER = CUSTOMERS[0]
"""The customer the storefront's development sign-in acts for (see `api.demo.customer_token`)."""
ORDERS_PER_CUSTOMER = 3
ORDER_POOL = 100
PAID_SHARE = 0.6
SHIPPED_SHARE_OF_PAID = 0.5


@dataclass(frozen=True, slots=True)
class DemoOrder:
    number: int
    customer_id: str
    lines: tuple[OrderLineRequest, ...]
    total: Decimal
    currency: str
    paid: bool
    shipped: bool


def orders(product_count: int, sku_prefix: str, *, seed: int = SEED) -> list[DemoOrder]:
    """The demo orders over products `0 .. min(product_count, ORDER_POOL) - 1` (SKUs made with `sku_prefix`)."""
    rng = random.Random(f"orders:{seed}")
    pool = [product(index, seed=seed, sku_prefix=sku_prefix) for index in range(min(product_count, ORDER_POOL))]
    available = dict(level for index, created in enumerate(pool) for level in stock_levels(index, created, seed=seed))
    prices = {sku: price for created in pool for sku, price in _prices(created).items()}
    placed: list[DemoOrder] = []
    for number in range(len(CUSTOMERS) * ORDERS_PER_CUSTOMER):
        lines: dict[str, int] = {}
        for _ in range(rng.randint(1, 3)):
            in_stock = [sku for sku, units in available.items() if units > lines.get(sku, 0)]
            if not in_stock:
                break
            sku = rng.choice(in_stock)
            lines[sku] = lines.get(sku, 0) + 1
        if not lines:
            break
        for sku, quantity in lines.items():
            available[sku] -= quantity
        paid = rng.random() < PAID_SHARE
        placed.append(
            DemoOrder(
                number=number,
                customer_id=CUSTOMERS[number % len(CUSTOMERS)],
                lines=tuple(OrderLineRequest(sku=sku, quantity=q) for sku, q in sorted(lines.items())),
                total=sum((prices[sku] * q for sku, q in lines.items()), Decimal(0)),
                currency=CURRENCY,
                paid=paid,
                shipped=paid and rng.random() < SHIPPED_SHARE_OF_PAID,
            )
        )
    return placed


def _prices(created: CreateProduct) -> dict[str, Decimal]:
    """The price of each purchasable sku of a product: a variant's own, else the product's."""
    default = Decimal(created.price_amount)
    if created.variants is None:
        return {created.sku: default}
    return {v.sku: default if v.price is None else Decimal(v.price.amount) for v in created.variants}
