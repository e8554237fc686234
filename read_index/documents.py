"""Index documents as pure functions of an aggregate's snapshot (``ProductSnapshot``, ``OrderSnapshot``).

A product document keeps the state's own fields, as the API shows them, and adds what searching needs:
``category_prefixes`` (every prefix of the category path, for prefix filters and drill-down facets),
``price.value`` (the amount as a number, for ranges and sorting; ``price.amount`` stays the exact string),
``available`` and ``in_stock`` (active, with some available: a discontinued product is never in stock), and
the ``search`` object (text prepared by :mod:`read_index.analysis`), which readers never return.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.model.catalog import ProductStatus
from domain.model.snapshots import OrderSnapshot, ProductSnapshot, WebhookSnapshot
from read_index.analysis import fold, folded_words, stemmed, stemmed_label, stemmed_words

# Joins the names of a category path into one prefix value. Category names cannot hold control characters
# (the domain refuses them), so the joined value is unambiguous, unlike ' > ' inside a name such as 'A > B'.
CATEGORY_SEPARATOR = "\x1f"


def category_key(path: list[str] | tuple[str, ...]) -> str:
    """The ``category_prefixes`` value of a path: ['Furniture', 'Sofas'] -> 'Furniture\\x1fSofas'."""
    return CATEGORY_SEPARATOR.join(path)


def category_prefixes(path: list[str]) -> list[str]:
    return [category_key(path[: depth + 1]) for depth in range(len(path))]


def price_value(amount: str | Decimal) -> float:
    """The number a price is filtered and sorted by; filters convert their bounds the same way."""
    return float(Decimal(amount))


def product_document(state: ProductSnapshot) -> dict[str, Any]:
    name = state["name"]
    description = state["description"]
    brand = state["brand"]
    path = state["category_path"]
    attributes = [{"name": attribute, "value": value} for attribute, value in state["attributes"]]
    available = state["on_hand"] - state["reserved"]
    price = state["price"]
    name_folded = fold(name)
    name_words = folded_words(name_folded)
    return {
        "id": state["id"],
        "sku": state["sku"],
        "name": name,
        "description": description,
        "brand": brand,
        "category_path": path,
        "category_prefixes": category_prefixes(path),
        "attributes": attributes,
        "price": {"amount": price["amount"], "currency": price["currency"], "value": price_value(price["amount"])},
        "status": state["status"],
        "on_hand": state["on_hand"],
        "reserved": state["reserved"],
        "available": available,
        "in_stock": state["status"] == ProductStatus.ACTIVE and available > 0,  # docs/queries.md: "in stock"
        "version": state["version"],
        "created_at": state["created_at"],
        "updated_at": state["updated_at"],
        "search": {
            "name": stemmed_words(name_words),
            "name_folded": " ".join(name_words),
            "name_sort": name_folded,
            "brand": stemmed_label(brand) if brand else None,
            "category": [stemmed_label(category) for category in path],
            "attributes": [stemmed_label(attribute["value"]) for attribute in attributes],
            "description": stemmed(description) if description else None,
        },
    }


def order_document(state: OrderSnapshot) -> dict[str, Any]:
    return {
        "id": state["id"],
        "customer_id": state["customer_id"],
        "status": state["status"],
        "lines": state["lines"],
        "total": state["total"],
        "version": state["version"],
        "placed_at": state["placed_at"],
        "updated_at": state["updated_at"],
    }


def webhook_document(state: WebhookSnapshot) -> dict[str, Any]:
    """The snapshot as it is: it holds no secret (`domain/model/snapshots.py`)."""
    return {
        "id": state["id"],
        "url": state["url"],
        "events": state["events"],
        "active": state["active"],
        "version": state["version"],
        "created_at": state["created_at"],
        "updated_at": state["updated_at"],
    }
