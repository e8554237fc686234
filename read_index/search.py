"""Product search requests: their arguments, their validation, and the one Elasticsearch body each becomes.

Relevance: every word must appear (typos forgiven, ``fuzziness: AUTO``; with four or more words one in four may
be missing) in the name, brand, categories, attribute values or description; the score weighs where the words
matched (name most), adds an exact phrase on the name, and ranks an exact sku (case-insensitive: the product's
or any of its variants') first. The user's text only ever becomes ``match``-family and ``term`` queries, so no
character of it is query syntax.

The filter's options, price range and stock are conditions on one variant together
(`read_index/variant_conditions.py`); price sorts go by the lowest price among the variants meeting them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.model.product_status import ProductStatus
from read_index import cursors
from read_index.analysis import stem, words
from read_index.documents import SHOWN_VARIANT_FIELDS
from read_index.errors import InvalidArgument
from read_index.facets import Selection
from read_index.variant_conditions import VariantConditions

MAX_FIRST = 100
MAX_QUERY_LENGTH = 256
MAX_QUERY_WORDS = 32
MAX_WORD_LENGTH = 40  # longer "words" are pasted noise; a fuzzy automaton over them costs seconds
MAX_SKU_LENGTH = 64
MAX_FILTER_VALUES = 100
# Each selected attribute or option filter is one more facet context: bounded, so one search stays a bounded
# request (`read_index/facet_layout.py`); the query cost counts them too (`api/schema/query_cost.py`).
MAX_ATTRIBUTE_FILTERS = 20
MAX_ATTRIBUTE_VALUES = 200
MAX_OPTION_FILTERS = MAX_ATTRIBUTE_FILTERS
MAX_OPTION_VALUES = MAX_ATTRIBUTE_VALUES
SKU_BOOST = 10_000.0
# Active products are those in none of the other statuses (every product document has one: `documents.py`). A
# search leaves out the few discontinued ones with a must_not, which skips through their short postings, where a
# filter on ACTIVE would be advanced through postings of nearly every product for each of the text's matches: 0.2
# to 0.5 ms of the 1 000 000-product search (docs/performance.md, finding 36). The statuses come from the model,
# so a new one is left out too until it is made searchable on purpose.
NOT_ACTIVE: dict[str, Any] = {
    "terms": {"status": [status.value for status in ProductStatus if status is not ProductStatus.ACTIVE]}
}
TEXT_FIELDS = [
    "search.name^5",
    "search.brand^3",
    "search.category^2",
    "search.attributes^1.5",
    "search.description^0.5",
]
PRODUCT_SOURCE = [
    "id", "sku", "name", "description", "brand", "category_path", "attributes", "price.amount", "price.currency",
    "status", "on_hand", "reserved", "available", "in_stock", "version", "created_at", "updated_at",
    "slug", "images", "options", "price_range", *(f"variants.{field}" for field in SHOWN_VARIANT_FIELDS),
]  # fmt: skip


class ProductSort(StrEnum):
    RELEVANCE = "RELEVANCE"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    NEWEST = "NEWEST"
    NAME_ASC = "NAME_ASC"


# Each sort ends with the id, so equal keys still order the same way on every page. Price sorts depend on the
# filter's variant conditions (`VariantConditions.price_sort`).
SORTS: dict[ProductSort, dict[str, str]] = {
    ProductSort.RELEVANCE: {"_score": "desc"},
    ProductSort.NEWEST: {"created_at": "desc"},
    ProductSort.NAME_ASC: {"search.name_sort": "asc"},
}
PRICE_ORDERS = {ProductSort.PRICE_ASC: "asc", ProductSort.PRICE_DESC: "desc"}
CURSOR_SHAPES: dict[ProductSort, tuple[str, ...]] = {
    sort: (cursors.TEXT if sort is ProductSort.NAME_ASC else cursors.NUMBER, cursors.TEXT) for sort in ProductSort
}


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    name: str
    values: list[str]


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Empty lists select nothing (no filter); several filters for one attribute name pool their values."""

    category_path: list[str] | None = None
    brands: list[str] | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool | None = None
    attributes: list[AttributeFilter] = field(default_factory=list)
    include_discontinued: bool = False
    options: list[AttributeFilter] = field(default_factory=list)
    """Each matches any of its values; all of them, the price range and `in_stock` hold for one variant."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str | None = None
    filter: ProductFilter = field(default_factory=ProductFilter)
    sort: ProductSort = ProductSort.RELEVANCE
    first: int = 20
    after: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedSearch:
    """What a search sends, and what reading its answer needs: the facet selection and the cursor scope."""

    body: dict[str, Any]
    selection: Selection
    scope: str
    position: cursors.Position | None
    """Where `after` points (its sort values are in the body already), None for a first page."""


def check_first(first: int) -> None:
    if not 0 < first <= MAX_FIRST:
        raise InvalidArgument("first", f"must be between 1 and {MAX_FIRST}")


def prepare(request: SearchRequest) -> PreparedSearch:
    check_first(request.first)
    selection, conditions = _selection(request.filter)
    query_words = _query_words(request.query)
    scope = cursors.scope_of(query_words, (request.query or "").strip().lower(), conditions)
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": _text_query(request.query, query_words),
                "filter": selection.variants.query_clauses(),
                "must_not": [] if request.filter.include_discontinued else [NOT_ACTIVE],
            }
        },
        "aggs": selection.aggregations(),
        "sort": _sort(request.sort, selection.variants),
        "size": request.first + 1,
        "track_total_hits": True,
        "_source": PRODUCT_SOURCE,
    }
    post_filter = selection.post_filter()
    if post_filter is not None:
        body["post_filter"] = post_filter
    position = None
    if request.after is not None:
        position = cursors.decode(request.after, request.sort, scope, CURSOR_SHAPES[request.sort])
        body["search_after"] = position.sort_values
    return PreparedSearch(body, selection, scope, position)


def _query_words(query: str | None) -> list[str]:
    if not query:
        return []
    return [word[:MAX_WORD_LENGTH] for word in words(query[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]]


def _text_query(query: str | None, query_words: list[str]) -> list[dict[str, Any]]:
    if query is None or not query.strip():
        return []
    clauses: list[dict[str, Any]] = []
    if query_words:
        stems = " ".join(stem(word) for word in query_words)
        matched = {"query": stems, "fuzziness": "AUTO", "prefix_length": 1}
        clauses.append(
            {
                "bool": {
                    "filter": [{"match": {"search.all": {**matched, "minimum_should_match": "-25%"}}}],
                    "should": [
                        {"multi_match": {**matched, "fields": TEXT_FIELDS, "type": "best_fields", "tie_breaker": 0.3}},
                        {"match_phrase": {"search.name_folded": {"query": " ".join(query_words), "boost": 4.0}}},
                    ],
                }
            }
        )
    sku = query.strip()
    if len(sku) <= MAX_SKU_LENGTH:
        clauses.append({"constant_score": {"filter": sku_clause(sku, lower=True), "boost": SKU_BOOST}})
    return [{"bool": {"should": clauses, "minimum_should_match": 1}}] if clauses else [{"match_none": {}}]


def sku_clause(sku: str, *, lower: bool = False) -> dict[str, Any]:
    """The product whose own sku or one of whose variants' skus is `sku` (skus are unique across both; `lower`: in
    any case). A document indexed before mapping version 2 has only its own, ``sku``."""
    suffix = ".lower" if lower else ""
    return {"bool": {"should": [{"term": {f"skus{suffix}": sku}}, {"term": {f"sku{suffix}": sku}}]}}


def _sort(sort: ProductSort, variants: VariantConditions) -> list[dict[str, Any]]:
    first = variants.price_sort(PRICE_ORDERS[sort]) if sort in PRICE_ORDERS else SORTS[sort]
    return [first, {"id": "asc"}]


def _selection(product_filter: ProductFilter) -> tuple[Selection, list[Any]]:
    """The facet selection of a filter, checked, and the filter's canonical form for the cursor scope."""
    category_path = _bounded("filter.categoryPath", product_filter.category_path or [])
    brands = _bounded("filter.brands", product_filter.brands or [])
    price_min = _price("filter.priceMin", product_filter.price_min)
    price_max = _price("filter.priceMax", product_filter.price_max)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise InvalidArgument("filter.priceMin", "must not exceed filter.priceMax")
    attributes = _pooled("filter.attributes", product_filter.attributes, MAX_ATTRIBUTE_FILTERS, MAX_ATTRIBUTE_VALUES)
    options = _pooled("filter.options", product_filter.options, MAX_OPTION_FILTERS, MAX_OPTION_VALUES)
    conditions = [
        category_path,
        sorted(brands),
        str(price_min) if price_min is not None else None,
        str(price_max) if price_max is not None else None,
        product_filter.in_stock,
        sorted((name, sorted(values)) for name, values in attributes.items()),
        product_filter.include_discontinued,
    ]
    if options:  # only then: a cursor issued before option filters existed keeps its scope
        conditions.append(sorted((name, sorted(values)) for name, values in options.items()))
    variants = VariantConditions(options, price_min, price_max, product_filter.in_stock)
    return Selection.of(category_path, brands, attributes, variants), conditions


def _pooled(field_name: str, filters: list[AttributeFilter], most: int, most_values: int) -> dict[str, list[str]]:
    """Attribute or option filters pooled by name: at most `most` filters, `most_values` values in all."""
    if len(filters) > most:
        raise InvalidArgument(field_name, f"must have at most {most} items")
    pooled: dict[str, list[str]] = {}
    total = 0
    for i, named in enumerate(filters):
        values = _bounded(f"{field_name}.{i}.values", named.values)
        total += len(values)
        if total > most_values:
            raise InvalidArgument(
                f"{field_name}.{i}.values", f"brings the values of {field_name} to more than {most_values}"
            )
        if values:
            pooled.setdefault(named.name, []).extend(values)
    return pooled


def _bounded(field_name: str, values: list[Any]) -> list[Any]:
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidArgument(field_name, f"must have at most {MAX_FILTER_VALUES} items")
    return values


def _price(field_name: str, value: Decimal | None) -> Decimal | None:
    if value is not None and (not value.is_finite() or value < 0):
        raise InvalidArgument(field_name, "must be a non-negative decimal number")
    return value
