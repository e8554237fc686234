"""A webhook delivery's `data`: an aggregate's document as the index holds it and readers get it, without what
exists only for searching (the `search` object, category prefixes, the price as a number). One definition of
what readers see (`search.PRODUCT_SOURCE`), so a delivery shows a product as `product(id)` does."""

from __future__ import annotations

from typing import Any, cast

from domain.model.events import ORDER, PRODUCT
from domain.model.snapshots import OrderSnapshot, ProductSnapshot, Snapshot
from read_index.documents import current_shape, order_document, product_document
from read_index.search import PRODUCT_SOURCE


def _shown(document: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The fields of `document` that `paths` name (`price.amount` picks one field of an object; `variants.sku` that
    field of each object of the list), in their order, as Elasticsearch's `_source` filtering picks them."""
    shown: dict[str, Any] = {}
    for path in paths:
        _pick(document, shown, path.split("."))
    return shown


def _pick(source: dict[str, Any], target: dict[str, Any], path: list[str]) -> None:
    name, *rest = path
    if name not in source:
        return
    value = source[name]
    if not rest:
        target[name] = value
    elif isinstance(value, list):
        picked = target.setdefault(name, [{} for _ in value])
        for element, into in zip(value, picked, strict=True):
            _pick(element, into, rest)
    elif isinstance(value, dict):
        _pick(value, target.setdefault(name, {}), rest)


def delivered_document(aggregate_type: str, state: Snapshot) -> dict[str, Any] | None:
    """The document of a product or an order, as readers get it; None for other aggregates (none is delivered)."""
    if aggregate_type == PRODUCT:
        return current_shape(_shown(product_document(cast(ProductSnapshot, state)), PRODUCT_SOURCE))
    if aggregate_type == ORDER:
        return order_document(cast(OrderSnapshot, state))
    return None
