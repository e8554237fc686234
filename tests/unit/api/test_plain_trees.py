"""The plain-tree executor answers exactly as graphql-core's own executor does, errors included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import ExecutionResult, execute, parse

from api.auth import Authenticator, Keys
from api.fastpath.direct_execution import DirectExecution
from api.schema.context import RequestContext
from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.unit.api.fakes import SECRET, FakeBackends, FakeReader, order, product


@pytest.fixture(scope="module")
def served() -> ServedSchema:
    return ServedSchema(Settings.model_validate({"fast_path": True}))


async def both(
    served: ServedSchema,
    query: str,
    reader: FakeReader | None = None,
    authorization: str | None = None,
    **variables: Any,
) -> ExecutionResult:
    """Runs the query with both executors; asserts identical results and returns the fast one."""
    results = []
    for executor in (None, _direct(served).executor):
        context = RequestContext(FakeBackends(reader), authorization)  # type: ignore[arg-type]
        outcome = execute(served.graphql, parse(query), context_value=context, variable_values=variables,
                          executor_class=executor)  # fmt: skip
        results.append(await outcome if not isinstance(outcome, ExecutionResult) else outcome)
    slow, fast = results
    assert json.dumps(fast.data) == json.dumps(slow.data)  # same values, same key order
    assert [e.formatted for e in fast.errors or ()] == [e.formatted for e in slow.errors or ()]
    return fast


SEARCH = """
query Search($first: Int) {
  searchProducts(first: $first) {
    __typename totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id sku name description brand categoryPath price { amount currency }
      attributes { name value } status stock { sku onHand reserved available } inStock version createdAt updatedAt } }
    facets { categories { value count } brands { value count } priceRanges { min max count }
      attributes { name values { value count } } }
  }
}"""


async def test_a_full_search_page_is_identical(served: ServedSchema) -> None:
    result = await both(served, SEARCH, first=20)
    plans = _direct(served).executor.plans
    assert plans is not None
    assert plans.compiled() >= 1
    assert result.data is not None
    assert result.data["searchProducts"]["edges"][0]["node"]["stock"] == {
        "sku": "SKU-0", "onHand": 5, "reserved": 1, "available": 4
    }  # fmt: skip


async def test_aliases_fragments_and_typenames_are_identical(served: ServedSchema) -> None:
    query = """
    fragment Brief on Product { id title: name ...on Product { sku } }
    { a: searchProducts(first: 1) { edges { node { ...Brief __typename price { ... { amount } } } } }
      b: searchProducts(first: 2) { total: totalCount edges { n: node { ...Brief ...Brief } } } }"""
    await both(served, query)


async def test_directives_take_the_general_path_and_agree(served: ServedSchema) -> None:
    query = """query($withName: Boolean!) { searchProducts { edges { node { id name @include(if: $withName) } } } }"""
    await both(served, query, withName=True)
    await both(served, query, withName=False)


async def test_a_null_in_a_non_null_field_gives_graphql_cores_error(served: ServedSchema) -> None:
    broken = product(1)
    broken["name"] = None
    result = await both(served, "{ searchProducts { edges { node { id name } } } }", FakeReader([broken]))
    assert result.errors
    assert result.errors[0].path == ["searchProducts", "edges", 0, "node", "name"]


async def test_a_value_of_the_wrong_type_gives_graphql_cores_error(served: ServedSchema) -> None:
    broken = product(1)
    broken["version"] = "not a number"
    result = await both(served, "{ searchProducts { edges { node { version } } } }", FakeReader([broken]))
    assert result.errors


async def test_a_null_in_a_nullable_field_is_null(served: ServedSchema) -> None:
    result = await both(served, '{ product(id: "p1") { description brand } }')
    assert result.data == {"product": {"description": None, "brand": "Acme"}}


async def test_order_lines_show_their_variant_and_lines_placed_before_variants_the_product(
    served: ServedSchema,
) -> None:
    line = {
        "sku": "A",
        "product_id": "p1",
        "product_name": "Oak chair",
        "quantity": 1,
        "unit_price": {"amount": "10.00", "currency": "EUR"},
        "line_total": {"amount": "10.00", "currency": "EUR"},
    }
    variant_line = {**line, "sku": "A-M", "variant_name": "Oak chair / M", "options": [["size", "M"]]}
    reader = FakeReader(orders=[order([line, variant_line])])
    bearer = "Bearer " + Authenticator(Keys(secret=SECRET)).issue(["orders:read"], "staff")
    query = '{ order(id: "o1") { lines { sku productName variantName options { name value } } } }'
    result = await both(served, query, reader, bearer)
    assert result.data == {"order": {"lines": [
        {"sku": "A", "productName": "Oak chair", "variantName": "Oak chair", "options": []},
        {"sku": "A-M", "productName": "Oak chair", "variantName": "Oak chair / M",
         "options": [{"name": "size", "value": "M"}]},
    ]}}  # fmt: skip


def _direct(served: ServedSchema) -> DirectExecution:
    assert served.direct is not None
    return served.direct
