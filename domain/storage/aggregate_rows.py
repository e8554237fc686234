"""Each aggregate's row in the write model's tables, to and from the aggregate's snapshot: storage's one mapping.

The unit of work writes a row from the snapshot the aggregate hands out (the same snapshot goes into the
outbox); repositories load aggregates from rows; rebuild and verify read snapshots from rows through the same
functions, so a document rebuilt from a row equals the one the outbox's snapshot gave.

A product's snapshot is its row's columns and its variants' rows (`product_variants`, in their order):
`product_snapshot` reads it straight from them (a rebuild reads every product) and the repository restores the
product from it. Its skus are rows of the `skus` registry too, written once, when the product or variant is new.
An order's snapshot adds what the model works out (line totals, the total), so an order is restored from its
row first and gives its snapshot itself.

Times are UTC with their offset whatever the database: SQLite hands datetimes back naive, and PostgreSQL in the
session's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.model.aggregate import Aggregate
from domain.model.catalog import Product
from domain.model.order_lines import OrderLine
from domain.model.orders import Order, OrderStatus
from domain.model.snapshots import (
    MoneySnapshot,
    OrderSnapshot,
    ProductSnapshot,
    Snapshot,
    VariantSnapshot,
    WebhookSnapshot,
)
from domain.model.variants import variant_snapshot
from domain.model.webhooks import Webhook
from domain.outbox import partition_of
from domain.ports import IdempotencyClaim, Outcome

Columns = Mapping[Any, Any]
"""A table row as its columns by name (SQLAlchemy's `RowMapping`): looked up by key, several times cheaper than a
`Row`'s attributes, which a rebuild reads tens of millions of."""


def in_utc(moment: datetime) -> datetime:
    """A stored time as an aware datetime in UTC (everything this service stores is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def product_row(snapshot: ProductSnapshot) -> dict[str, Any]:
    price = snapshot["price"]
    return {
        "id": snapshot["id"],
        "sku": snapshot["sku"],
        "name": snapshot["name"],
        "description": snapshot["description"],
        "brand": snapshot["brand"],
        "category_path": snapshot["category_path"],
        "attributes": snapshot["attributes"],
        "price_amount": price["amount"],
        "price_currency": price["currency"],
        "status": snapshot["status"],
        "on_hand": snapshot["on_hand"],
        "reserved": snapshot["reserved"],
        "version": snapshot["version"],
        "created_at": datetime.fromisoformat(snapshot["created_at"]),
        "updated_at": datetime.fromisoformat(snapshot["updated_at"]),
        "slug": snapshot["slug"],
        "images": snapshot["images"],
    }


def variant_rows(snapshot: ProductSnapshot) -> list[dict[str, Any]]:
    """The product's variants as rows of `product_variants`, in its order."""
    return [_variant_row(snapshot["id"], position, variant) for position, variant in enumerate(snapshot["variants"])]


def _variant_row(product_id: str, position: int, variant: VariantSnapshot) -> dict[str, Any]:
    own_price = variant["own_price"]
    return {
        "id": variant["id"],
        "product_id": product_id,
        "position": position,
        "sku": variant["sku"],
        "options": variant["options"],
        "price_amount": None if own_price is None else own_price["amount"],
        "price_currency": None if own_price is None else own_price["currency"],
        "status": variant["status"],
        "on_hand": variant["on_hand"],
        "reserved": variant["reserved"],
    }


def sku_rows(variants: Sequence[dict[str, Any]], product: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The `skus` registry's rows of these variant rows, with a new `product` row's own sku when it names none of
    them (a product created with variants: its sku is its style number)."""
    rows = [
        {"sku": variant["sku"], "product_id": variant["product_id"], "variant_id": variant["id"]}
        for variant in variants
    ]
    if product is not None and all(variant["sku"] != product["sku"] for variant in variants):
        rows.insert(0, {"sku": product["sku"], "product_id": product["id"], "variant_id": None})
    return rows


def product_snapshot(row: Columns, variants: Sequence[Columns]) -> ProductSnapshot:
    """The snapshot of a product row and its variants' rows (in their order)."""
    name = row["name"]
    price: MoneySnapshot = {"amount": row["price_amount"], "currency": row["price_currency"]}
    return {
        "id": row["id"],
        "sku": row["sku"],
        "name": name,
        "description": row["description"],
        "brand": row["brand"],
        "category_path": row["category_path"],
        "attributes": row["attributes"],
        "price": price,
        "status": row["status"],
        "on_hand": row["on_hand"],
        "reserved": row["reserved"],
        "version": row["version"],
        "created_at": in_utc(row["created_at"]).isoformat(),
        "updated_at": in_utc(row["updated_at"]).isoformat(),
        "slug": row["slug"],
        "images": row["images"],
        "variants": [
            variant_snapshot(
                id=variant["id"],
                sku=variant["sku"],
                options=variant["options"],
                own_price=None
                if variant["price_amount"] is None
                else {"amount": variant["price_amount"], "currency": variant["price_currency"]},
                status=variant["status"],
                on_hand=variant["on_hand"],
                reserved=variant["reserved"],
                product_name=name,
                default_price=price,
            )
            for variant in variants
        ],
    }


def product_from_rows(row: Columns, variants: Sequence[Columns]) -> Product:
    return Product.from_snapshot(product_snapshot(row, variants))


def order_row(snapshot: OrderSnapshot) -> dict[str, Any]:
    """The lines are stored as their snapshots; the total is not stored (the lines give it)."""
    return {
        "id": snapshot["id"],
        "customer_id": snapshot["customer_id"],
        "status": snapshot["status"],
        "lines": snapshot["lines"],
        "version": snapshot["version"],
        "placed_at": datetime.fromisoformat(snapshot["placed_at"]),
        "updated_at": datetime.fromisoformat(snapshot["updated_at"]),
    }


def order_from_row(row: Columns) -> Order:
    return Order(
        id=row["id"],
        customer_id=row["customer_id"],
        status=OrderStatus(row["status"]),
        lines=tuple(OrderLine.from_snapshot(line) for line in row["lines"]),
        version=row["version"],
        placed_at=in_utc(row["placed_at"]),
        updated_at=in_utc(row["updated_at"]),
    )


def order_snapshot(row: Columns) -> OrderSnapshot:
    return order_from_row(row).snapshot()


def webhook_row(snapshot: WebhookSnapshot, secret: str) -> dict[str, Any]:
    """The snapshot and the secret, which no snapshot carries (it must reach neither the outbox nor the index)."""
    return {
        "id": snapshot["id"],
        "url": snapshot["url"],
        "events": snapshot["events"],
        "secret": secret,
        "active": snapshot["active"],
        "version": snapshot["version"],
        "created_at": datetime.fromisoformat(snapshot["created_at"]),
        "updated_at": datetime.fromisoformat(snapshot["updated_at"]),
    }


def webhook_snapshot(row: Columns) -> WebhookSnapshot:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": row["events"],
        "active": bool(row["active"]),
        "version": row["version"],
        "created_at": in_utc(row["created_at"]).isoformat(),
        "updated_at": in_utc(row["updated_at"]).isoformat(),
    }


def webhook_from_row(row: Columns) -> Webhook:
    return Webhook.from_snapshot(webhook_snapshot(row), row["secret"])


@dataclass(slots=True)
class AggregateRows:
    """What a commit writes of an aggregate, all from one snapshot: its table row, the outbox rows of its pending
    events (the last carrying the snapshot) and, of a product, its variants' rows and, were it new, its rows of the
    sku registry. A webhook's row carries its secret, which its snapshot (and so the outbox) never does."""

    row: dict[str, Any]
    outbox: list[dict[str, Any]]
    variants: list[dict[str, Any]] = field(default_factory=list)
    skus: list[dict[str, Any]] = field(default_factory=list)


def rows_to_write(aggregate: Aggregate, partitions: int = 1) -> AggregateRows:
    """What a commit writes of `aggregate`, its outbox rows in its partition of `partitions` (the outbox's
    partition count, read from the database: `outbox_partitioning.load_partitions`)."""
    if isinstance(aggregate, Product):
        product = aggregate.snapshot()
        row, variants = product_row(product), variant_rows(product)
        return AggregateRows(row, _outbox_rows(aggregate, product, partitions), variants, sku_rows(variants, row))
    if isinstance(aggregate, Order):
        order = aggregate.snapshot()
        return AggregateRows(order_row(order), _outbox_rows(aggregate, order, partitions))
    if isinstance(aggregate, Webhook):
        webhook = aggregate.snapshot()
        return AggregateRows(webhook_row(webhook, aggregate.secret), _outbox_rows(aggregate, webhook, partitions))
    raise TypeError(f"no table holds a {type(aggregate).__name__}")


def _outbox_rows(aggregate: Aggregate, snapshot: Snapshot, partitions: int) -> list[dict[str, Any]]:
    first_version = aggregate.version - len(aggregate.pending_events) + 1
    last = len(aggregate.pending_events) - 1
    partition = partition_of(aggregate.aggregate_type, aggregate.key, partitions)
    return [
        {
            "partition": partition,
            "aggregate_type": aggregate.aggregate_type,
            "aggregate_id": aggregate.key,
            "aggregate_version": first_version + i,
            "event_type": type(event).__name__,
            "payload": event,  # written as its JSON data by the JSON columns' serializer (engine.json_text)
            "state": snapshot if i == last else None,
            "occurred_at": event.occurred_at,
        }
        for i, event in enumerate(aggregate.pending_events)
    ]


def idempotency_row(claim: IdempotencyClaim, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The `idempotency_keys` row that answers every repeat of the claim's key with `outcome`."""
    return {
        "caller": claim.caller,
        "key": claim.key,
        "fingerprint": claim.fingerprint,
        "aggregate_id": outcome.aggregate_id,
        "version": outcome.version,
        "consistency_token": outcome.consistency_token,
        "created_at": now,
    }
