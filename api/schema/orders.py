"""Order read types over the CatalogReader's plain dicts (snake_case keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from api.schema.products import Attribute, Money, PageInfo
from api.schema.scalars import DateTimeText
from domain.model.orders import OrderStatus

# The domain's order states are the GraphQL enum itself: one list, not two to keep in step.
strawberry.enum(OrderStatus, name="OrderStatus")


def _variant_name(root: strawberry.Parent[Mapping[str, Any]]) -> str:
    """Lines placed before products had variants (and indexed before `catalog reindex`) lack it: the product's
    name is what they bought."""
    name: str = root.get("variant_name") or root["product_name"]
    return name


def _options(root: strawberry.Parent[Mapping[str, Any]]) -> list[Attribute]:
    return [Attribute(name=name, value=value) for name, value in root.get("options") or ()]


@strawberry.type
class OrderLine:
    sku: str
    product_id: strawberry.ID
    product_name: str
    quantity: int
    unit_price: Money
    line_total: Money
    variant_name: str = strawberry.field(
        resolver=_variant_name,
        description="The variant as placed: the product's name, then its option values ('Linen shirt / M / sand').",
    )
    options: list[Attribute] = strawberry.field(
        resolver=_options, description="The variant's option values as placed (none on lines placed before variants)."
    )


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
