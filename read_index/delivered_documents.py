"""A webhook delivery's `data`: an aggregate's document as the index holds it and readers get it, without what
exists only for searching (the `search` object, category prefixes, the price as a number). One definition of
what readers see (`search.PRODUCT_SOURCE`), so a delivery shows a product as `product(id)` does."""

from __future__ import annotations

from typing import Any, cast

from domain.model.events import ORDER, PRODUCT
from domain.model.snapshots import OrderSnapshot, ProductSnapshot, Snapshot
from read_index.documents import order_document, product_document
from read_index.search import PRODUCT_SOURCE


def _shown(document: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The fields of `document` that `paths` name (`price.amount` picks one field of an object), in their order."""
    shown: dict[str, Any] = {}
    for path in paths:
        source, target = document, shown
        *parents, name = path.split(".")
        for parent in parents:
            source = source.get(parent) or {}
            target = target.setdefault(parent, {})
        if name in source:
            target[name] = source[name]
    return shown


def delivered_document(aggregate_type: str, state: Snapshot) -> dict[str, Any] | None:
    """The document of a product or an order, as readers get it; None for other aggregates (none is delivered)."""
    if aggregate_type == PRODUCT:
        return _shown(product_document(cast(ProductSnapshot, state)), PRODUCT_SOURCE)
    if aggregate_type == ORDER:
        return order_document(cast(OrderSnapshot, state))
    return None
