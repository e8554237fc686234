"""The conditions of a search that hold for one variant together: each option filter (by name), the price range,
and in stock. A product matches when **one active variant meets all of them at once**: size M and colour red
must be the same variant, so a product with a red S and a blue M does not match red + M.

``inStock: true`` means such a variant is available (the product active too: a discontinued product is never in
stock); ``inStock: false`` means the product has such variants (without the stock condition) and none of them
is available, so that the two split the products the other conditions match.

Exact and cheap: a condition on one variant needs a ``nested`` query only when two or more meet. One alone is
answered by the product-level twins of the active variants (`read_index/documents.py`): some active variant has
size M or L ⟺ ``option_pairs`` holds one of them; some active variant is priced in the range ⟺ a value of
``variant_prices`` is in it; some active variant is available ⟺ ``in_stock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from read_index.documents import option_pair, price_value

Clause = dict[str, Any]
Key = tuple[str, str]
"""A selectable variant condition: ("option", name) or `PRICE`; each has a facet that leaves it out."""
PRICE: Key = ("price", "")
VARIANTS = "variants"
_ACTIVE: Clause = {"term": {"variants.active": True}}
_AVAILABLE: Clause = {"term": {"variants.in_stock": True}}


def option_key(name: str) -> Key:
    return ("option", name)


@dataclass(frozen=True, slots=True)
class VariantConditions:
    options: dict[str, list[str]] = field(default_factory=dict)
    """Option name -> the values it matches (any of them)."""
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool | None = None

    @property
    def selected(self) -> list[Key]:
        """The selectable conditions given, options first (in the filter's order), then the price."""
        keys = [option_key(name) for name in self.options]
        return [*keys, PRICE] if self._price_bounds() else keys

    def weight(self, key: Key) -> int:
        """About the size of a condition's clause, for the facet layout: its number of values, and one."""
        return 1 + len(self.options.get(key[1], ())) if key != PRICE else 1

    def clause(self, key: Key) -> Clause:
        """The condition on one variant, inside a ``nested`` query or aggregation over ``variants``."""
        if key == PRICE:
            return {"range": {"variants.price.value": self._price_bounds()}}
        return {"terms": {"variants.option_pairs": self._pairs(key[1])}}

    def twin_clause(self, key: Key) -> Clause:
        """The condition alone, for some active variant, on the product's twins."""
        if key == PRICE:
            return {"range": {"variant_prices": self._price_bounds()}}
        return {"terms": {"option_pairs": self._pairs(key[1])}}

    def sellable(self) -> Clause:
        """Which variants count at all: the active ones, or the available ones for ``inStock: true``."""
        return _AVAILABLE if self.in_stock else _ACTIVE

    def query_clauses(self) -> list[Clause]:
        """Filters for the query itself, which every facet honours: for ``inStock: true``, ``in_stock`` on the
        product (every facet context needs an available variant), which spares the nested clauses most products.
        Not for ``inStock: false``: a product with an available S and an M out of stock has its place in the size
        facet's M (selecting M finds it), so the facets must see it."""
        return [{"term": {"in_stock": True}}] if self.in_stock else []

    def match_clause(self) -> Clause | None:
        """The product-level clause of every selected condition and the stock together (None when there is none;
        ``inStock: true`` alone: the query holds it)."""
        keys = self.selected
        if not keys:
            return {"term": {"in_stock": False}} if self.in_stock is False else None
        if len(keys) == 1 and self.in_stock is None:
            return self.twin_clause(keys[0])
        conditions = [self.clause(key) for key in keys]
        if self.in_stock is False:
            return {"bool": {"filter": [_some(_ACTIVE, conditions)], "must_not": [_some(_AVAILABLE, conditions)]}}
        return _some(self.sellable(), conditions)

    def price_sort(self, order: str) -> Clause:
        """By the lowest price among the variants meeting every condition; without any, the product's lowest
        active price (``price.value``), also for ``inStock: false`` alone (no active variant is available then)."""
        if not self.selected and not self.in_stock:
            return {"price.value": order}
        conditions = [self.sellable(), *(self.clause(key) for key in self.selected)]
        nested = {"path": VARIANTS, "filter": {"bool": {"filter": conditions}}}
        return {"variants.price.value": {"order": order, "mode": "min", "nested": nested}}

    def _price_bounds(self) -> dict[str, float]:
        bounds = {"gte": self.price_min, "lte": self.price_max}
        return {op: price_value(bound) for op, bound in bounds.items() if bound is not None}

    def _pairs(self, name: str) -> list[str]:
        return [option_pair(name, value) for value in self.options[name]]


def _some(sellable: Clause, conditions: list[Clause]) -> Clause:
    """Some variant is `sellable` and meets every one of `conditions`."""
    return {"nested": {"path": VARIANTS, "query": {"bool": {"filter": [sellable, *conditions]}}}}
