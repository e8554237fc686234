"""The typed state each aggregate hands to the outbox: one definition that storage, projections and documents read.

An aggregate's snapshot is its whole state after an event, as JSON data. It travels in the outbox's `state`
column (each command's last event of an aggregate carries it), the sync worker decodes it and the index
documents are built from it; a rebuild reads the same snapshots from the write model's rows. Adding a field
means: the aggregate (its `snapshot()`), the TypedDict here, the table and its migration, the document; mypy
then points at every other place that must read it.

Why TypedDicts, not dataclasses: a snapshot *is* JSON that crosses a process boundary. The worker decodes
thousands a second straight into dicts with orjson and hands them to the document builders; a TypedDict types
those dicts as they are, at no cost, where a dataclass would be built on every read and serialized on every
write. The price is that nothing checks a stored snapshot at run time: only this service writes them.

Conventions: money is `{"amount": "19.90", "currency": "EUR"}` (the exact decimal as text, in the currency's
minor units); times are ISO 8601 text in UTC with its offset (`2026-01-01T09:30:00+00:00`); statuses are
their enum's value.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

Timestamp = str
"""ISO 8601, UTC, with its offset: `datetime.isoformat()` of an aware datetime in UTC."""


class MoneySnapshot(TypedDict):
    amount: str
    currency: str


class ImageSnapshot(TypedDict):
    url: str
    alt: str | None
    width: int | None
    height: int | None


class VariantSnapshot(TypedDict):
    id: str
    sku: str
    name: str  # "Linen shirt / M / sand": the product's name, then the option values
    options: list[list[str]]  # [name, value] pairs, in the product's option order
    price: MoneySnapshot  # effective: own price, else the product's default price
    own_price: MoneySnapshot | None
    status: str  # a ProductStatus value
    on_hand: int
    reserved: int


class ProductSnapshot(TypedDict):
    id: str
    sku: str
    name: str
    description: str | None
    brand: str | None
    category_path: list[str]
    attributes: list[list[str]]
    """[name, value] pairs, in the order given."""
    price: MoneySnapshot
    status: str
    """A `ProductStatus` value."""
    on_hand: int
    reserved: int
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    slug: NotRequired[str]  # NotRequired: snapshots written before the migration lack the three
    images: NotRequired[list[ImageSnapshot]]
    variants: NotRequired[list[VariantSnapshot]]


class OrderLineSnapshot(TypedDict):
    sku: str
    product_id: str
    product_name: str
    quantity: int
    unit_price: MoneySnapshot
    line_total: MoneySnapshot
    variant_name: NotRequired[str]  # absent on lines placed before variants: the product name
    options: NotRequired[list[list[str]]]  # absent: []


class OrderSnapshot(TypedDict):
    id: str
    customer_id: str
    status: str
    """An `OrderStatus` value."""
    lines: list[OrderLineSnapshot]
    total: MoneySnapshot
    version: int
    placed_at: Timestamp
    updated_at: Timestamp


class WebhookSnapshot(TypedDict):
    """A webhook endpoint without its secret: a snapshot reaches the outbox and the index, the secret neither."""

    id: str
    url: str
    events: list[str]
    """`WebhookEvent` values."""
    active: bool
    version: int
    created_at: Timestamp
    updated_at: Timestamp


Snapshot = ProductSnapshot | OrderSnapshot | WebhookSnapshot
"""What an outbox record's state is: the snapshot of the aggregate type the record names."""
