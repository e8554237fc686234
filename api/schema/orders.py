"""Order read types over the CatalogReader's plain dicts (snake_case keys)."""

from __future__ import annotations

import strawberry

from api.schema.products import Money, PageInfo
from api.schema.scalars import DateTimeText
from domain.model.orders import OrderStatus

# The domain's order states are the GraphQL enum itself: one list, not two to keep in step.
strawberry.enum(OrderStatus, name="OrderStatus")


@strawberry.type
class OrderLine:
    sku: str
    product_id: strawberry.ID
    product_name: str
    quantity: int
    unit_price: Money
    line_total: Money


@strawberry.type
class Order:
    id: strawberry.ID
    customer_id: strawberry.ID
    status: OrderStatus
    lines: list[OrderLine]
    total: Money
    placed_at: DateTimeText
    updated_at: DateTimeText
    version: int


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    total_count: int
