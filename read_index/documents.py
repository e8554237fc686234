"""Index documents as pure functions of an aggregate's snapshot (``ProductSnapshot``, ``OrderSnapshot``).

A product document keeps the state's own fields, as the API shows them, and adds what searching needs:
``category_prefixes`` (every prefix of the category path, for prefix filters and drill-down facets),
``price.value`` (the amount as a number, for ranges and sorting; ``price.amount`` stays the exact string),
``available`` and ``in_stock`` (active, with some available: a discontinued product is never in stock), and
the ``search`` object (text prepared by :mod:`read_index.analysis`), which readers never return.

Variants (mapping version 2): each is a nested document (``variants``) with its options as ``option_pairs``
(``name\\x1fvalue``), its price, whether it is ``active`` and ``in_stock``; the product carries twins of its
*active* variants for the single-condition filters that need no nested query: ``option_pairs`` (their union),
``variant_prices`` (every price), ``price`` (the lowest: `Product.price`, ``priceRange.min``) and ``in_stock``.
In stock means sellable now: the product and the variant active, with some available (a discontinued product
is never in stock); a product is in stock when one of its variants is.

A snapshot written before variants (still in the outbox when the service was upgraded) has no ``variants``,
``slug`` or ``images``: `variants_of` gives it its one variant, as migration 0002 did to its row; and a document
indexed before version 2 is read in the current shape through `current_shape`, until `catalog reindex`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.model.catalog import ProductStatus
from domain.model.slugs import made_slug
from domain.model.snapshots import MoneySnapshot, OrderSnapshot, ProductSnapshot, VariantSnapshot, WebhookSnapshot
from read_index.analysis import fold, folded_words, stemmed, stemmed_label, stemmed_words

# Joins the names of a category path into one prefix value, and an option's name to its value. Names and values
# cannot hold control characters (the domain refuses them), so joined values are unambiguous, unlike ' > ' inside
# a name such as 'A > B'.
CATEGORY_SEPARATOR = "\x1f"
OPTION_SEPARATOR = "\x1f"
ACTIVE = ProductStatus.ACTIVE.value


def category_key(path: list[str] | tuple[str, ...]) -> str:
    """The ``category_prefixes`` value of a path: ['Furniture', 'Sofas'] -> 'Furniture\\x1fSofas'."""
    return CATEGORY_SEPARATOR.join(path)


def category_prefixes(path: list[str]) -> list[str]:
    return [category_key(path[: depth + 1]) for depth in range(len(path))]


def option_pair(name: str, value: str) -> str:
    """The ``option_pairs`` value of an option: ('size', 'M') -> 'size\\x1fM'."""
    return f"{name}{OPTION_SEPARATOR}{value}"


def price_value(amount: str | Decimal) -> float:
    """The number a price is filtered and sorted by; filters convert their bounds the same way."""
    return float(Decimal(amount))


def variants_of(state: ProductSnapshot) -> list[VariantSnapshot]:
    """The product's variants; a snapshot from before variants has one, made from the product's own fields."""
    variants = state.get("variants")
    if variants is not None:
        return variants
    return [
        only_variant(
            id=state["id"],
            sku=state["sku"],
            name=state["name"],
            price=state["price"],
            on_hand=state["on_hand"],
            reserved=state["reserved"],
        )
    ]


def only_variant(*, id: str, sku: str, name: str, price: MoneySnapshot, on_hand: int, reserved: int) -> VariantSnapshot:
    """The one variant of a product from before variants: its sku, price and stock, no options, active. Its id is
    the product's (the migrated row's variant id is not known here)."""
    return {
        "id": id,
        "sku": sku,
        "name": name,
        "options": [],
        "price": price,
        "own_price": None,
        "status": ACTIVE,
        "on_hand": on_hand,
        "reserved": reserved,
    }


def product_document(state: ProductSnapshot) -> dict[str, Any]:
    name = state["name"]
    description = state["description"]
    brand = state["brand"]
    path = state["category_path"]
    attributes = [{"name": attribute, "value": value} for attribute, value in state["attributes"]]
    variants = [variant_document(variant, state["status"] == ACTIVE) for variant in variants_of(state)]
    active = [variant for variant in variants if variant["active"]]
    prices = [variant["price"] for variant in active] or [_shown_price(state["price"])]
    lowest = min(prices, key=lambda price: Decimal(price["amount"]))
    highest = max(prices, key=lambda price: Decimal(price["amount"]))
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
        "price": lowest,
        "status": state["status"],
        "on_hand": state["on_hand"],
        "reserved": state["reserved"],
        "available": state["on_hand"] - state["reserved"],
        "in_stock": any(variant["in_stock"] for variant in variants),
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
        "slug": state.get("slug"),
        "images": state.get("images", []),
        "skus": list(dict.fromkeys([state["sku"], *(variant["sku"] for variant in variants)])),
        "variants": variants,
        "option_pairs": sorted({pair for variant in active for pair in variant["option_pairs"]}),
        "variant_prices": sorted({variant["price"]["value"] for variant in active}),
        "price_range": {"min": _money(lowest), "max": _money(highest)},
        "options": _options(active),
    }


def variant_document(variant: VariantSnapshot, product_active: bool) -> dict[str, Any]:
    available = variant["on_hand"] - variant["reserved"]
    active = variant["status"] == ACTIVE
    return {
        "id": variant["id"],
        "sku": variant["sku"],
        "name": variant["name"],
        "options": [{"name": name, "value": value} for name, value in variant["options"]],
        "option_pairs": [option_pair(name, value) for name, value in variant["options"]],
        "price": _shown_price(variant["price"]),
        "status": variant["status"],
        "active": active,
        "on_hand": variant["on_hand"],
        "reserved": variant["reserved"],
        "available": available,
        "in_stock": product_active and active and available > 0,
    }


def _shown_price(price: MoneySnapshot) -> dict[str, Any]:
    return {"amount": price["amount"], "currency": price["currency"], "value": price_value(price["amount"])}


def _money(price: dict[str, Any]) -> MoneySnapshot:
    return {"amount": price["amount"], "currency": price["currency"]}


def _options(active: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each option name (in the variants' order) with its values over the active variants, in order of appearance."""
    values: dict[str, dict[str, None]] = {}
    for variant in active:
        for option in variant["options"]:
            values.setdefault(option["name"], {})[option["value"]] = None
    return [{"name": name, "values": list(named)} for name, named in values.items()]


SHOWN_VARIANT_FIELDS = (
    "id", "sku", "name", "options", "price.amount", "price.currency", "status", "on_hand", "reserved", "available",
    "in_stock",
)  # fmt: skip
"""What a reader returns of each variant (``variants.<field>``), without the fields that exist for searching."""


def current_shape(document: dict[str, Any]) -> dict[str, Any]:
    """A product document as read (its shown fields), in the current shape, in place: one indexed before version 2
    gets the one variant of a product from before variants, its price as the range, no options and no images; a
    product without a slug (its snapshot predates slugs) shows the slug made from its name, as migration 0002 made
    its row's (`productBySlug` finds it once the document is rewritten, at its next change or `catalog reindex`)."""
    if "variants" not in document:
        price = _money(document["price"])
        variant = only_variant(
            id=document["id"],
            sku=document["sku"],
            name=document["name"],
            price=price,
            on_hand=document["on_hand"],
            reserved=document["reserved"],
        )
        shown = variant_document(variant, document["status"] == ACTIVE)
        del shown["option_pairs"], shown["active"], shown["price"]["value"]
        document.update(variants=[shown], options=[], images=[], price_range={"min": price, "max": price})
    if document.get("slug") is None:
        document["slug"] = made_slug(document["name"], document["sku"])
    return document


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
