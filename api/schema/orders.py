"""Order read types over the CatalogReader's plain dicts (snake_case keys)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from api.schema.products import Money, PageInfo
from api.schema.scalars import DateTimeText


@strawberry.enum
class OrderStatus(StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


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
