"""Disjunctive facets: each facet counts with every selected filter applied except its own.

The selectable filters (category, brands, price, each attribute) go into the request's ``post_filter``, so the
query's hits and total honour all of them while aggregations see only the query (text, status, stock); each
facet's aggregation then re-applies, in nested ``filter`` aggregations, every selected filter but its own (each
filter shared by several facets evaluated once for them all: `Selection._layout`). So a shopper who picked
brand A still sees how many products brand B would add.

Categories drill down: the facet lists the children of the filtered category (the roots without a category
filter); a value is the child's own name, to append to ``filter.category_path``. Price ranges are fixed,
half-open buckets ``[min, max)`` over the amount, whatever the currency, all listed even when empty. Attribute
facets list every attribute name of the matches, sorted by name, values by count. Terms are counted down to 1
and capped at `FACET_SIZE` values per facet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import Any

from read_index.documents import CATEGORY_SEPARATOR, category_key, price_value

FACET_SIZE = 100
ATTRIBUTE_NAMES_SIZE = 50
PRICE_BREAKS = (Decimal(25), Decimal(50), Decimal(100), Decimal(250), Decimal(500))
# A facet's identity; attributes carry their name, so an attribute called "brand" is not the brand facet.
_Facet = tuple[str, str]
_CATEGORY: _Facet = ("category", "")
_BRAND: _Facet = ("brand", "")
_PRICE: _Facet = ("price", "")


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class PriceRange:
    min: Decimal | None
    max: Decimal | None
    count: int


@dataclass(frozen=True, slots=True)
class AttributeFacet:
    name: str
    values: list[FacetValue]


@dataclass(frozen=True, slots=True)
class Facets:
    categories: list[FacetValue]
    brands: list[FacetValue]
    price_ranges: list[PriceRange]
    attributes: list[AttributeFacet]


@dataclass(frozen=True)  # no slots: `_layout` is cached in the instance's __dict__
class Selection:
    """The selectable filters of a search, each as an Elasticsearch clause, None when not selected."""

    category_path: list[str]
    category: dict[str, Any] | None
    brand: dict[str, Any] | None
    price: dict[str, Any] | None
    attributes: dict[str, dict[str, Any]]

    @classmethod
    def of(
        cls,
        category_path: list[str],
        brands: list[str],
        price_min: Decimal | None,
        price_max: Decimal | None,
        attributes: dict[str, list[str]],
    ) -> Selection:
        bounds = {"gte": price_min, "lte": price_max}
        price_range = {op: price_value(bound) for op, bound in bounds.items() if bound is not None}
        return cls(
            category_path=category_path,
            category={"term": {"category_prefixes": category_key(category_path)}} if category_path else None,
            brand={"terms": {"brand": brands}} if brands else None,
            price={"range": {"price.value": price_range}} if price_range else None,
            attributes={name: _attribute_clause(name, values) for name, values in attributes.items()},
        )

    def post_filter(self) -> dict[str, Any] | None:
        clauses = self._clauses()
        return {"bool": {"filter": clauses}} if clauses else None

    def aggregations(self) -> dict[str, Any]:
        return self._layout[0]

    def facets(self, aggregations: dict[str, Any]) -> Facets:
        paths = self._layout[1]

        def result(name: str) -> Any:
            node: Any = aggregations
            for key in paths[name]:
                node = node[key]
            return node

        attributes = [_attribute_facet(bucket) for bucket in result("attributes")["x"]["buckets"]]
        for i, name in enumerate(self.attributes):
            attributes.append(AttributeFacet(name, _values(result(f"attribute_{i}")["x"]["values"]["buckets"])))
        attributes.sort(key=lambda facet: facet.name)
        return Facets(
            categories=[
                FacetValue(bucket["key"].rsplit(CATEGORY_SEPARATOR, 1)[-1], bucket["doc_count"])
                for bucket in result("categories")["buckets"]
            ],
            brands=_values(result("brands")["buckets"]),
            price_ranges=[
                PriceRange(low, high, bucket["doc_count"])
                for (low, high), bucket in zip(_price_bounds(), result("prices")["buckets"], strict=True)
            ],
            attributes=attributes,
        )

    def _selected(self) -> list[tuple[_Facet, dict[str, Any]]]:
        """The selected filters, the costliest to evaluate first: see `_layout`."""
        named: list[tuple[_Facet, dict[str, Any] | None]] = [
            (_BRAND, self.brand),
            (_PRICE, self.price),
            *((("attribute", name), clause) for name, clause in self.attributes.items()),
            (_CATEGORY, self.category),
        ]
        return [(facet, clause) for facet, clause in named if clause is not None]

    def _facet_aggregations(self) -> dict[str, tuple[_Facet | None, dict[str, Any]]]:
        """Each facet's aggregation, by name, with the filter it leaves out (None: it honours them all)."""
        selected = list(self.attributes)
        aggs: dict[str, tuple[_Facet | None, dict[str, Any]]] = {
            "categories": (_CATEGORY, {"terms": _category_terms(self.category_path)}),
            "brands": (_BRAND, {"terms": {"field": "brand", "size": FACET_SIZE}}),
            "prices": (_PRICE, {"range": {"field": "price.value", "ranges": _price_ranges()}}),
            "attributes": (None, _nested(_attribute_names(exclude=selected))),
        }
        for i, name in enumerate(selected):
            only_this = {"filter": {"term": {"attributes.name": name}}, "aggs": {"values": _attribute_values()}}
            aggs[f"attribute_{i}"] = (("attribute", name), _nested(only_this))
        return aggs

    @cached_property
    def _layout(self) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        """The aggregation tree, and where each facet's result sits in the response (worked out once: the request
        body needs the tree, reading the answer the paths).

        Each selected filter is a `filter` aggregation that the next level nests in, so the filters shared by
        several facets are evaluated once for all of them. At the level of selected filter i sits the facet that
        leaves i out, under a filter of the selected ones after i; the innermost level (every selected filter
        applied) holds the facets that honour them all. A filter runs over the whole index at every level it is
        used in, so the costliest (a brand list) goes first and is evaluated once, the cheapest (one category
        term) last."""
        facets = self._facet_aggregations()
        selected = self._selected()
        tree: dict[str, Any] = {}
        paths: dict[str, tuple[str, ...]] = {}
        level: dict[str, Any] = tree
        path: tuple[str, ...] = ()
        for depth, (left_out, clause) in enumerate(selected):
            after = [later for _, later in selected[depth + 1 :]]
            for name, (own, agg) in facets.items():
                if own == left_out:
                    if after:
                        level[name] = {"filter": _all_of(after), "aggs": {"x": agg}}
                        paths[name] = (*path, name, "x")
                    else:
                        level[name] = agg
                        paths[name] = (*path, name)
            inner: dict[str, Any] = {}
            level[f"within_{depth}"] = {"filter": clause, "aggs": inner}
            level, path = inner, (*path, f"within_{depth}")
        left_out_facets = {facet for facet, _ in selected}
        for name, (own, agg) in facets.items():
            if own is None or own not in left_out_facets:
                level[name] = agg
                paths[name] = (*path, name)
        return tree, paths

    def _clauses(self) -> list[dict[str, Any]]:
        named = [self.category, self.brand, self.price, *self.attributes.values()]
        return [clause for clause in named if clause is not None]


def _all_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}


def _attribute_clause(name: str, values: list[str]) -> dict[str, Any]:
    inner = {"bool": {"filter": [{"term": {"attributes.name": name}}, {"terms": {"attributes.value": values}}]}}
    return {"nested": {"path": "attributes", "query": inner}}


def _category_terms(path: list[str]) -> dict[str, Any]:
    """The prefixes one level below `path`, by a regular expression over the joined prefix values."""
    below = "".join(_regex_literal(part) + CATEGORY_SEPARATOR for part in path)
    return {"field": "category_prefixes", "include": f"{below}[^{CATEGORY_SEPARATOR}]*", "size": FACET_SIZE}


def _regex_literal(text: str) -> str:
    """`text` matched literally by Lucene's regular expressions: a backslash makes any character plain."""
    return "".join(char if char.isalnum() else "\\" + char for char in text)


def _price_bounds() -> list[tuple[Decimal | None, Decimal | None]]:
    bounds: list[Decimal | None] = [None, *PRICE_BREAKS, None]
    return list(pairwise(bounds))


def _price_ranges() -> list[dict[str, float]]:
    return [
        {key: price_value(bound) for key, bound in (("from", low), ("to", high)) if bound is not None}
        for low, high in _price_bounds()
    ]


def _nested(agg: dict[str, Any]) -> dict[str, Any]:
    return {"nested": {"path": "attributes"}, "aggs": {"x": agg}}


def _attribute_names(exclude: list[str]) -> dict[str, Any]:
    # Each (name, value) pair occurs at most once per product (the domain refuses repeats), so counting the
    # nested attribute entries of a value counts its products; no reverse_nested is needed.
    terms: dict[str, Any] = {"field": "attributes.name", "size": ATTRIBUTE_NAMES_SIZE}
    if exclude:
        terms["exclude"] = exclude
    return {"terms": terms, "aggs": {"values": _attribute_values()}}


def _attribute_values() -> dict[str, Any]:
    return {"terms": {"field": "attributes.value", "size": FACET_SIZE}}


def _attribute_facet(bucket: dict[str, Any]) -> AttributeFacet:
    return AttributeFacet(bucket["key"], _values(bucket["values"]["buckets"]))


def _values(buckets: list[dict[str, Any]]) -> list[FacetValue]:
    return [FacetValue(bucket["key"], bucket["doc_count"]) for bucket in buckets]
