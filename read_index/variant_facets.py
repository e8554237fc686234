"""The facets of the variant conditions (`read_index/variant_conditions.py`): price ranges and options, counting
products, each under every other condition for one variant together.

A facet leaves out its own condition and applies the others (and the stock) as the same variant: the option
facet for size counts, for each size, the products with an active variant of that size that also meets the
colour and price selected; the price facet counts a product in each bucket where such a variant is priced. So a
value's count is the number of hits selecting it would give.

Where a facet's context holds no variant condition, the product-level twins count it without any nested
aggregation: ``option_pairs`` holds each pair of a product once, ``variant_prices`` each price (a ``range``
aggregation counts a document once per bucket however many of its values fall in it). Otherwise the facets
share one ``nested`` aggregation over the variants: its filter keeps the variants that count (active; available
for ``inStock: true``), the selected conditions are laid out inside it as `read_index/facet_layout.py` lays out
the product filters, and each bucket joins back to its products with ``reverse_nested``. For ``inStock: false``
a bucket's products are those with such a variant minus those with an available one (each bucket also counts the
latter), as the filter says: such variants, none of them available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from read_index.documents import OPTION_SEPARATOR
from read_index.facet_layout import Placed, Selected, layout
from read_index.facet_terms import ATTRIBUTE_NAMES_SIZE, FACET_SIZE, price_ranges, regex_literal
from read_index.variant_conditions import PRICE, VARIANTS, Key, VariantConditions

# Pairs listed for the options not selected: as many as their names and values together may show.
OPTION_PAIRS_SIZE = ATTRIBUTE_NAMES_SIZE * FACET_SIZE
NESTED = "variants"
_PRODUCTS = "products"
_AVAILABLE = "available"
_PER_PRODUCT: dict[str, Any] = {_PRODUCTS: {"reverse_nested": {}}}
_BY_PRODUCTS = [{_PRODUCTS: "desc"}, {"_key": "asc"}]


@dataclass(frozen=True, slots=True)
class _Facet:
    name: str
    leaves_out: Key | None
    """The condition it leaves out: its own; None for the facet of the options not selected."""


@dataclass(frozen=True, slots=True)
class VariantCounts:
    prices: list[int]
    """Per price bucket (`facet_terms.price_bounds`)."""
    selected_options: dict[str, dict[str, int]]
    """Per selected option name, each value's count, leaving that name's filter out."""
    other_options: dict[str, dict[str, int]]
    """Per option name not selected, each value's count."""


class VariantFacets:
    """The variant facets' aggregations of one search, and how to read their counts from its answer."""

    def __init__(self, conditions: VariantConditions) -> None:
        self._conditions = conditions
        options = [key for key in conditions.selected if key != PRICE]
        self._facets = [
            _Facet("prices", PRICE),
            *(_Facet(f"option_{i}", key) for i, key in enumerate(options)),
            _Facet("options", None),
        ]
        self._nested = [facet for facet in self._facets if not self._on_twins(facet)]
        selected = [Selected(key, conditions.clause(key), conditions.weight(key)) for key in conditions.selected]
        inner = {facet.name: Placed(self._nested_aggregation(facet), facet.leaves_out) for facet in self._nested}
        self._inner_tree, self._inner_paths = layout(selected, inner) if self._nested else ({}, {})

    def aggregations(self) -> dict[str, dict[str, Any]]:
        """By name: each facet counted on the twins, and `NESTED` holding the others. Each is to be placed under
        the product filters only (it applies the variant conditions itself)."""
        aggregations = {
            facet.name: self._twin_aggregation(facet) for facet in self._facets if facet not in self._nested
        }
        if self._nested:
            sellable = {"filter": self._conditions.sellable(), "aggs": self._inner_tree}
            aggregations[NESTED] = {"nested": {"path": VARIANTS}, "aggs": {"x": sellable}}
        return aggregations

    def counts(self, placed: Callable[[str], Any]) -> VariantCounts:
        """The counts, from `placed`: an aggregation's result by the name `aggregations` gave it."""

        def buckets(facet: _Facet) -> list[dict[str, Any]]:
            if facet not in self._nested:
                found: list[dict[str, Any]] = placed(facet.name)["buckets"]
                return found
            node = placed(NESTED)["x"]
            for key in self._inner_paths[facet.name]:
                node = node[key]
            return list(node["buckets"])

        prices, *options, others = self._facets
        return VariantCounts(
            prices=[self._count(prices, bucket) for bucket in buckets(prices)],
            selected_options={
                facet.leaves_out[1]: _by_value(self._pairs(facet, buckets(facet)))
                for facet in options
                if facet.leaves_out
            },
            other_options=_by_name(self._pairs(others, buckets(others))),
        )

    def _on_twins(self, facet: _Facet) -> bool:
        """Whether the facet's context holds no variant condition, so the product-level twins count it."""
        others = [key for key in self._conditions.selected if key != facet.leaves_out]
        return not others and self._conditions.in_stock is None

    def _twin_aggregation(self, facet: _Facet) -> dict[str, Any]:
        if facet.leaves_out == PRICE:
            return {"range": {"field": "variant_prices", "ranges": price_ranges()}}
        return {"terms": self._option_terms(facet, "option_pairs")}

    def _nested_aggregation(self, facet: _Facet) -> dict[str, Any]:
        per_product = dict(_PER_PRODUCT)
        if self._conditions.in_stock is False:
            per_product[_AVAILABLE] = {"filter": {"term": {"variants.in_stock": True}}, "aggs": _PER_PRODUCT}
        if facet.leaves_out == PRICE:
            return {"range": {"field": "variants.price.value", "ranges": price_ranges()}, "aggs": per_product}
        terms = {**self._option_terms(facet, "variants.option_pairs"), "order": _BY_PRODUCTS}
        return {"terms": terms, "aggs": per_product}

    def _option_terms(self, facet: _Facet, field: str) -> dict[str, Any]:
        if facet.leaves_out is not None:
            own = regex_literal(facet.leaves_out[1])
            return {"field": field, "include": f"{own}{OPTION_SEPARATOR}.*", "size": FACET_SIZE}
        terms: dict[str, Any] = {"field": field, "size": OPTION_PAIRS_SIZE}
        selected = [regex_literal(key[1]) for key in self._conditions.selected if key != PRICE]
        if selected:
            terms["exclude"] = f"({'|'.join(selected)}){OPTION_SEPARATOR}.*"
        return terms

    def _count(self, facet: _Facet, bucket: dict[str, Any]) -> int:
        if facet not in self._nested:
            return int(bucket["doc_count"])
        count = int(bucket[_PRODUCTS]["doc_count"])
        if self._conditions.in_stock is False:
            count -= int(bucket[_AVAILABLE][_PRODUCTS]["doc_count"])
        return count

    def _pairs(self, facet: _Facet, buckets: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
        """(name, value, count) of each bucket of an option facet."""
        pairs = []
        for bucket in buckets:
            name, _, value = bucket["key"].partition(OPTION_SEPARATOR)
            pairs.append((name, value, self._count(facet, bucket)))
        return pairs


def _by_value(pairs: list[tuple[str, str, int]]) -> dict[str, int]:
    return {value: count for _, value, count in pairs}


def _by_name(pairs: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    named: dict[str, dict[str, int]] = {}
    for name, value, count in pairs:
        named.setdefault(name, {})[value] = count
    return named
