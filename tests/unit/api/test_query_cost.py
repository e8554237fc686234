"""The query cost counts the values a search filters by: literal lists as written, variables at their most."""

from __future__ import annotations

from typing import Any

from api.schema.context import RequestContext
from api.schema.query_cost import FILTER_VALUE_COST
from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.unit.api.fakes import FakeBackends

LIMIT = 2_000


async def refusals(query: str, **variables: Any) -> list[str]:
    served = ServedSchema(Settings.model_validate({"max_query_cost": LIMIT}))
    result = await served.execute(query, variables, RequestContext(FakeBackends()), None)  # type: ignore[arg-type]
    return [error.message for error in result.errors or () if "more than the limit" in error.message]


def attribute_filters(names: int, values: int) -> str:
    each = ", ".join(f'"v{v}"' for v in range(values))
    return ", ".join(f'{{name: "a{i}", values: [{each}]}}' for i in range(names))


async def test_a_search_with_a_few_filter_values_stays_within_the_cost() -> None:
    query = f'{{ searchProducts(filter: {{brands: ["A"], attributes: [{attribute_filters(2, 3)}]}}) {{ totalCount }} }}'

    assert await refusals(query) == []


async def test_each_brand_attribute_name_and_value_of_a_literal_filter_counts() -> None:
    attributes = attribute_filters(20, 9)  # with two brands: 202 values, a little over the limit
    query = f'{{ searchProducts(filter: {{brands: ["A", "B"], attributes: [{attributes}]}}) {{ totalCount }} }}'

    assert (2 + 20 * 10) * FILTER_VALUE_COST > LIMIT
    assert await refusals(query)


async def test_a_filter_given_as_a_variable_counts_at_the_most_the_search_accepts() -> None:
    query = "query($f: ProductFilter) { searchProducts(filter: $f) { totalCount } }"

    assert await refusals(query, f={"brands": ["A"]})


async def test_an_attribute_list_given_as_a_variable_counts_at_the_most_the_search_accepts() -> None:
    query = "query($a: [AttributeFilter!]) { searchProducts(filter: {attributes: $a}) { totalCount } }"

    assert await refusals(query, a=[{"name": "a", "values": ["v"]}])


async def test_a_values_list_given_as_a_variable_counts_as_the_longest_list() -> None:
    one = '{name: "a", values: $v}'
    query = "query($v: [String!]!) {{ searchProducts(filter: {{attributes: [{}]}}) {{ totalCount }} }}"

    assert await refusals(query.format(one), v=["x"]) == []  # 1 + 100 values
    assert await refusals(query.format(f"{one}, {one}"), v=["x"])  # 2 x (1 + 100) values
