"""Disjunctive facets: each facet counts with every selected filter applied except its own.

The selectable filters (category, brands, each attribute, and the variant conditions: options and price) go into
the request's ``post_filter``, so the query's hits and total honour all of them while aggregations see only the
query (text, status, stock); each facet's aggregation then re-applies, in ``filter`` aggregations, every
selected filter but its own (the contexts share their filters, so the request grows about as n·log n with n
selected filters, not n²: `read_index/facet_layout.py`). So a shopper who picked brand A still sees how many
products brand B would add.

The variant conditions are one entry of that layout: they hold for one variant together, so the product facets
(category, brands, attributes) apply them as one clause, and the variant facets (options, price ranges) sit
where that clause is left out and apply the others themselves (`read_index/variant_facets.py`).

Categories drill down: the facet lists the children of the filtered category (the roots without a category
filter); a value is the child's own name, to append to ``filter.category_path``. Price ranges are fixed,
half-open buckets ``[min, max)`` over the amount, whatever the currency, all listed even when empty. Attribute
and option facets list every name of the matches, sorted by name, values by count. Terms are counted down to 1
and capped at `FACET_SIZE` values per facet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from read_index.documents import CATEGORY_SEPARATOR, category_key
from read_index.facet_layout import Path, Placed, Selected, layout
from read_index.facet_terms import (
    ATTRIBUTE_NAMES_SIZE,
    FACET_SIZE,
    AttributeFacet,
    FacetValue,
    most_frequent,
    price_bounds,
    regex_literal,
)
from read_index.variant_conditions import VariantConditions
from read_index.variant_facets import VariantCounts, VariantFacets

# A facet's identity; attributes carry their name, so an attribute called "brand" is not the brand facet.
_Facet = tuple[str, str]
_CATEGORY: _Facet = ("category", "")
_BRAND: _Facet = ("brand", "")
_VARIANTS: _Facet = ("variants", "")


@dataclass(frozen=True, slots=True)
class PriceRange:
    min: Decimal | None
    max: Decimal | None
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    categories: list[FacetValue]
    brands: list[FacetValue]
    price_ranges: list[PriceRange]
    attributes: list[AttributeFacet]
    options: list[AttributeFacet]


@dataclass(frozen=True)  # no slots: `_layout` is cached in the instance's __dict__
class Selection:
    """The selectable filters of a search, each as an Elasticsearch clause, None when not selected, and each
    filter's weight for the facet layout (its number of values); the variant conditions as one group."""

    category_path: list[str]
    category: dict[str, Any] | None
    brand: dict[str, Any] | None
    attributes: dict[str, dict[str, Any]]
    variants: VariantConditions
    weights: dict[_Facet, int]

    @classmethod
    def of(
        cls,
        category_path: list[str],
        brands: list[str],
        attributes: dict[str, list[str]],
        variants: VariantConditions,
    ) -> Selection:
        return cls(
            category_path=category_path,
            category={"term": {"category_prefixes": category_key(category_path)}} if category_path else None,
            brand={"terms": {"brand": brands}} if brands else None,
            attributes={name: _attribute_clause(name, values) for name, values in attributes.items()},
            variants=variants,
            weights={
                _BRAND: len(brands),
                **{("attribute", name): 1 + len(values) for name, values in attributes.items()},
                _VARIANTS: max(1, sum(variants.weight(key) for key in variants.selected)),
            },
        )

    def post_filter(self) -> dict[str, Any] | None:
        clauses = [clause for _, clause in self._named() if clause is not None]
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
        counts = self._variant_facets.counts(result)
        return Facets(
            categories=[
                FacetValue(bucket["key"].rsplit(CATEGORY_SEPARATOR, 1)[-1], bucket["doc_count"])
                for bucket in result("categories")["buckets"]
            ],
            brands=_values(result("brands")["buckets"]),
            price_ranges=[
                PriceRange(low, high, count) for (low, high), count in zip(price_bounds(), counts.prices, strict=True)
            ],
            attributes=attributes,
            options=_option_facets(counts),
        )

    def _named(self) -> list[tuple[_Facet, dict[str, Any] | None]]:
        return [
            (_BRAND, self.brand),
            *((("attribute", name), clause) for name, clause in self.attributes.items()),
            (_VARIANTS, self.variants.match_clause()),
            (_CATEGORY, self.category),
        ]

    def _selected(self) -> list[Selected]:
        return [
            Selected(facet, clause, self.weights.get(facet, 1)) for facet, clause in self._named() if clause is not None
        ]

    def _facet_aggregations(self) -> dict[str, Placed]:
        """Each facet's aggregation, by name, with the filter it leaves out (None: it honours them all)."""
        selected = list(self.attributes)
        aggs = {
            "categories": Placed({"terms": _category_terms(self.category_path)}, _CATEGORY),
            "brands": Placed({"terms": {"field": "brand", "size": FACET_SIZE}}, _BRAND),
            "attributes": Placed(_nested(_attribute_names(exclude=selected)), None),
        }
        for i, name in enumerate(selected):
            only_this = {"filter": {"term": {"attributes.name": name}}, "aggs": {"values": _attribute_values()}}
            aggs[f"attribute_{i}"] = Placed(_nested(only_this), ("attribute", name))
        for name, aggregation in self._variant_facets.aggregations().items():
            aggs[name] = Placed(aggregation, _VARIANTS)
        return aggs

    @cached_property
    def _variant_facets(self) -> VariantFacets:
        return VariantFacets(self.variants)

    @cached_property
    def _layout(self) -> tuple[dict[str, Any], dict[str, Path]]:
        """The aggregation tree, and where each facet's result sits in the response (worked out once: the request
        body needs the tree, reading the answer the paths)."""
        return layout(self._selected(), self._facet_aggregations())


def _attribute_clause(name: str, values: list[str]) -> dict[str, Any]:
    inner = {"bool": {"filter": [{"term": {"attributes.name": name}}, {"terms": {"attributes.value": values}}]}}
    return {"nested": {"path": "attributes", "query": inner}}


def _category_terms(path: list[str]) -> dict[str, Any]:
    """The prefixes one level below `path`, by a regular expression over the joined prefix values."""
    below = "".join(regex_literal(part) + CATEGORY_SEPARATOR for part in path)
    return {"field": "category_prefixes", "include": f"{below}[^{CATEGORY_SEPARATOR}]*", "size": FACET_SIZE}


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


def _option_facets(counts: VariantCounts) -> list[AttributeFacet]:
    """Each selected option name, and the most frequent others (as many names as attribute facets show), each
    with its values by count; sorted by name."""
    others = sorted(counts.other_options.items(), key=lambda named: (-sum(named[1].values()), named[0]))
    shown = [(name, values) for name, values in others if any(values.values())][:ATTRIBUTE_NAMES_SIZE]
    facets = [
        AttributeFacet(name, most_frequent(values)) for name, values in [*counts.selected_options.items(), *shown]
    ]
    return sorted(facets, key=lambda facet: facet.name)
