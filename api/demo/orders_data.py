"""A few demo customers' orders, generated deterministically: placed, some paid, some of those shipped.

Orders buy from the first `ORDER_POOL` products only, so every catalog of at least that many products has the
same orders (and a second seed with another `--products` finds them already placed). No order reserves more
than its products have on hand, counting the orders before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from api.demo.catalog_data import CURRENCY, SEED, product, stock_on_hand
from domain.model.commands import OrderLineRequest

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
    available = {index: stock_on_hand(index, seed=seed) for index in range(len(pool))}
    placed: list[DemoOrder] = []
    for number in range(len(CUSTOMERS) * ORDERS_PER_CUSTOMER):
        lines: dict[int, int] = {}
        for _ in range(rng.randint(1, 3)):
            in_stock = [index for index, units in available.items() if units > lines.get(index, 0)]
            if not in_stock:
                break
            index = rng.choice(in_stock)
            lines[index] = lines.get(index, 0) + 1
        if not lines:
            break
        for index, quantity in lines.items():
            available[index] -= quantity
        paid = rng.random() < PAID_SHARE
        placed.append(
            DemoOrder(
                number=number,
                customer_id=CUSTOMERS[number % len(CUSTOMERS)],
                lines=tuple(OrderLineRequest(sku=pool[i].sku, quantity=q) for i, q in sorted(lines.items())),
                total=sum((Decimal(pool[i].price_amount) * q for i, q in lines.items()), Decimal(0)),
                currency=CURRENCY,
                paid=paid,
                shipped=paid and rng.random() < SHIPPED_SHARE_OF_PAID,
            )
        )
    return placed
