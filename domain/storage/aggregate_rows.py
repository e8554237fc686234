"""Each aggregate's row in the write model's tables, to and from the aggregate's snapshot: storage's one mapping.

The unit of work writes a row from the snapshot the aggregate hands out (the same snapshot goes into the
outbox); repositories load aggregates from rows; rebuild and verify read snapshots from rows through the same
functions, so a document rebuilt from a row equals the one the outbox's snapshot gave.

A product's snapshot is its columns: `product_snapshot` reads it straight from the row (a rebuild reads every
product) and the repository restores the product from it. An order's snapshot adds what the model works out
(line totals, the total), so an order is restored from its row first and gives its snapshot itself.

Times are UTC with their offset whatever the database: SQLite hands datetimes back naive, and PostgreSQL in the
session's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.model.catalog import Product
from domain.model.order_lines import OrderLine
from domain.model.orders import Order, OrderStatus
from domain.model.snapshots import OrderSnapshot, ProductSnapshot, WebhookSnapshot
from domain.model.webhooks import Webhook


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
    }


def product_snapshot(row: Any) -> ProductSnapshot:
    return {
        "id": row.id,
        "sku": row.sku,
        "name": row.name,
        "description": row.description,
        "brand": row.brand,
        "category_path": row.category_path,
        "attributes": row.attributes,
        "price": {"amount": row.price_amount, "currency": row.price_currency},
        "status": row.status,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "version": row.version,
        "created_at": in_utc(row.created_at).isoformat(),
        "updated_at": in_utc(row.updated_at).isoformat(),
    }


def product_from_row(row: Any) -> Product:
    return Product.from_snapshot(product_snapshot(row))


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


def order_from_row(row: Any) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        lines=tuple(OrderLine.from_snapshot(line) for line in row.lines),
        version=row.version,
        placed_at=in_utc(row.placed_at),
        updated_at=in_utc(row.updated_at),
    )


def order_snapshot(row: Any) -> OrderSnapshot:
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


def webhook_snapshot(row: Any) -> WebhookSnapshot:
    return {
        "id": row.id,
        "url": row.url,
        "events": row.events,
        "active": bool(row.active),
        "version": row.version,
        "created_at": in_utc(row.created_at).isoformat(),
        "updated_at": in_utc(row.updated_at).isoformat(),
    }


def webhook_from_row(row: Any) -> Webhook:
    return Webhook.from_snapshot(webhook_snapshot(row), row.secret)
