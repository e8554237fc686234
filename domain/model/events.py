"""Domain events: what happened, in the past tense. Each belongs to one aggregate type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from domain.model.money import Money

PRODUCT = "product"
ORDER = "order"


@dataclass(frozen=True, kw_only=True)
class Event:
    aggregate_type: ClassVar[str]
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class ProductEvent(Event):
    aggregate_type: ClassVar[str] = PRODUCT
    product_id: str


@dataclass(frozen=True, kw_only=True)
class ProductCreated(ProductEvent):
    sku: str
    name: str
    description: str | None
    brand: str | None
    category_path: tuple[str, ...]
    price: Money
    attributes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class ProductDetailsUpdated(ProductEvent):
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ProductPriceChanged(ProductEvent):
    old_price: Money
    new_price: Money


@dataclass(frozen=True, kw_only=True)
class ProductDiscontinued(ProductEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class StockReceived(ProductEvent):
    sku: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class StockAdjusted(ProductEvent):
    sku: str
    delta: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class StockReserved(ProductEvent):
    sku: str
    order_id: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class StockReleased(ProductEvent):
    sku: str
    order_id: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class StockShipped(ProductEvent):
    sku: str
    order_id: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class OrderEvent(Event):
    aggregate_type: ClassVar[str] = ORDER
    order_id: str


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(OrderEvent):
    customer_id: str
    total: Money


@dataclass(frozen=True, kw_only=True)
class OrderPaid(OrderEvent):
    amount: Money


@dataclass(frozen=True, kw_only=True)
class OrderShipped(OrderEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(OrderEvent):
    reason: str | None
