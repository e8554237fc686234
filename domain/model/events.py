"""Domain events: what happened, in the past tense. Each belongs to one aggregate type.

An event's fields are the audit record of one change, readable on its own: what the change set, moved or
refused, and why. Every field is there on purpose; docs/architecture.md ("The outbox") says which purpose, and a
test fails when a field is added without saying.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from domain.model.images import Image
from domain.model.money import Money
from domain.model.order_lines import OrderLine
from domain.model.product_details import ProductDetails
from domain.model.variants import Options, Variant
from domain.model.webhook_events import WebhookEvent

PRODUCT = "product"
ORDER = "order"
WEBHOOK = "webhook"


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
    slug: str
    images: tuple[Image, ...]
    variants: tuple[Variant, ...]


@dataclass(frozen=True, kw_only=True)
class ProductDetailsUpdated(ProductEvent):
    changed_fields: tuple[str, ...]
    details: ProductDetails
    """Every detail after the change; `changed_fields` names the ones this change set."""


@dataclass(frozen=True, kw_only=True)
class ProductPriceChanged(ProductEvent):
    sku: str | None
    """The variant repriced (its own price); None: the product's default price."""
    old_price: Money
    new_price: Money


@dataclass(frozen=True, kw_only=True)
class ProductVariantAdded(ProductEvent):
    variant_id: str
    sku: str
    options: Options
    own_price: Money | None


@dataclass(frozen=True, kw_only=True)
class ProductVariantUpdated(ProductEvent):
    sku: str
    changed_fields: tuple[str, ...]
    options: Options
    own_price: Money | None
    """After the change; None: the variant follows the product's default price."""


@dataclass(frozen=True, kw_only=True)
class ProductVariantDiscontinued(ProductEvent):
    sku: str


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
    lines: tuple[OrderLine, ...]
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


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointEvent(Event):
    """An event of a webhook endpoint (`webhooks.Webhook`). Its secret is in no event: the outbox never holds it."""

    aggregate_type: ClassVar[str] = WEBHOOK
    webhook_id: str


@dataclass(frozen=True, kw_only=True)
class WebhookRegistered(WebhookEndpointEvent):
    url: str
    events: tuple[WebhookEvent, ...]


@dataclass(frozen=True, kw_only=True)
class WebhookRemoved(WebhookEndpointEvent):
    pass
