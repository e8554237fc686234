"""The search body never lets user text act as query syntax and is shaped for one request."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from read_index.errors import InvalidArgument
from read_index.search import AttributeFilter, ProductFilter, SearchRequest, prepare


def test_user_text_only_reaches_match_and_term_queries() -> None:
    body = orjson.dumps(prepare(SearchRequest(query='foo AND (bar" OR * name:x')).body).decode()

    assert "query_string" not in body
    assert "simple_query_string" not in body
    assert '"regexp"' not in body
    assert '"wildcard"' not in body


def test_selected_filters_go_to_the_post_filter_and_stock_to_the_query() -> None:
    wanted = ProductFilter(brands=["Acme"], in_stock=True, attributes=[AttributeFilter("color", ["red"])])

    body = prepare(SearchRequest(filter=wanted)).body

    assert {"term": {"in_stock": True}} in body["query"]["bool"]["filter"]
    assert len(body["post_filter"]["bool"]["filter"]) == 2
    assert body["track_total_hits"] is True
    assert body["size"] == 21


def test_filters_for_one_attribute_pool_their_values() -> None:
    wanted = ProductFilter(attributes=[AttributeFilter("color", ["red"]), AttributeFilter("color", ["blue"])])

    [clause] = prepare(SearchRequest(filter=wanted)).body["post_filter"]["bool"]["filter"]

    assert clause["nested"]["query"]["bool"]["filter"][1] == {"terms": {"attributes.value": ["red", "blue"]}}


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (ProductFilter(price_min=Decimal(-1)), "filter.priceMin"),
        (ProductFilter(price_max=Decimal("NaN")), "filter.priceMax"),
        (ProductFilter(brands=["b"] * 101), "filter.brands"),
        (ProductFilter(attributes=[AttributeFilter("c", ["v"] * 101)]), "filter.attributes.0.values"),
        (ProductFilter(attributes=[AttributeFilter(f"a{i}", ["v"]) for i in range(21)]), "filter.attributes"),
        (
            ProductFilter(attributes=[AttributeFilter(f"a{i}", ["v"] * 40) for i in range(6)]),
            "filter.attributes.5.values",
        ),
    ],
)
def test_unusable_filters_are_refused_with_their_field(wanted: ProductFilter, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        prepare(SearchRequest(filter=wanted))

    assert refused.value.field == field


def test_twenty_attribute_filters_of_two_hundred_values_in_all_are_accepted() -> None:
    wanted = ProductFilter(attributes=[AttributeFilter(f"a{i}", ["v"] * 10) for i in range(20)])

    assert len(prepare(SearchRequest(filter=wanted)).body["post_filter"]["bool"]["filter"]) == 20
