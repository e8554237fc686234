"""The root-field path for queries answers exactly as graphql-core's execution does (data, errors, key order),
including the arguments a request leaves out or sets to null, refusals, and results it must hand back."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ExecutionResult

from api.schema.context import RequestContext
from api.schema.root_queries import ROOT_QUERIES
from api.schema.schema import ServedSchema
from api.settings import Settings
from tests.unit.api.both_paths import assert_same, graphql_core_answer, planned
from tests.unit.api.fakes import FakeBackends, FakeReader, product


class CountingReader(FakeReader):
    """Remembers the page sizes searches asked for and how many product reads ran."""

    def __init__(self, products: list[dict[str, Any]] | None = None) -> None:
        super().__init__(products)
        self.firsts: list[int] = []
        self.reads = 0

    async def search_products(self, request: Any, *, fresh: bool = False) -> Any:
        self.firsts.append(request.first)
        return await super().search_products(request, fresh=fresh)

    async def product(self, id: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().product(id)


@pytest.fixture(scope="module")
def served() -> ServedSchema:
    return ServedSchema(Settings.model_validate({"fast_path": True}))


async def both(
    served: ServedSchema, query: str, variables: dict[str, Any] | None, products: list[dict[str, Any]] | None = None
) -> tuple[ExecutionResult, list[CountingReader], bool]:
    """The document through graphql-core and through the served schema: asserts the same answer; returns the
    served one, both readers (graphql-core's first) and whether a root plan answered."""
    answers, readers = [], []
    for general in (True, False):
        reader = CountingReader(products)
        context = RequestContext(FakeBackends(reader), None)  # type: ignore[arg-type]
        if general:
            answers.append(await graphql_core_answer(served, query, variables, context))
        else:
            answers.append(await served.execute(query, variables, context, None))
        readers.append(reader)
    slow, fast = answers
    assert_same(fast, slow)
    return fast, readers, planned(served, query)


PRODUCT = """query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) {
  id sku name price { amount currency } stock { available } variants { sku inStock } images { url width } } }"""
SEARCH = """query($q: String, $n: Int, $s: ProductSort, $f: ProductFilter) {
  found: searchProducts(query: $q, first: $n, sort: $s, filter: $f) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } }
    facets { brands { value count } options { name values { value count } } } } }"""


@pytest.mark.parametrize(
    "variables", [{"id": "p1"}, {"id": "p1", "t": None}, {"id": "nope"}], ids=["found", "token-null", "unknown"]
)
async def test_a_read_by_id_takes_the_root_path_and_answers_the_same(
    served: ServedSchema, variables: dict[str, Any]
) -> None:
    result, readers, planned = await both(served, PRODUCT, variables)
    assert planned
    assert result.errors is None
    assert result.data is not None
    found = result.data["product"]
    assert (found and found["id"]) == (None if variables["id"] == "nope" else "p1")
    assert [reader.reads for reader in readers] == [1, 1]


@pytest.mark.parametrize(
    ("variables", "first"),
    [({}, 20), ({"n": None}, 20), ({"n": 2, "s": None, "q": None}, 2), ({"n": 1, "s": "PRICE_DESC"}, 1)],
    ids=["left-out", "null", "given-with-nulls", "given"],
)
async def test_arguments_left_out_or_null_get_the_fields_defaults_on_both_paths(
    served: ServedSchema, variables: dict[str, Any], first: int
) -> None:
    result, readers, planned = await both(served, SEARCH, variables)
    assert planned
    assert result.errors is None
    assert [reader.firsts for reader in readers] == [[first], [first]]


@pytest.mark.parametrize(
    ("query", "variables", "data"),
    [
        ("query($id: ID!) { mine: order(id: $id) { id } }", {"id": "o1"}, {"mine": None}),
        (SEARCH, {"f": {"priceMin": "1e400"}}, None),
    ],
    ids=["nullable-root-nulls-its-key", "non-null-root-nulls-the-data"],
)
async def test_a_refusal_is_located_at_the_field_as_graphql_core_locates_it(
    served: ServedSchema, query: str, variables: dict[str, Any], data: Any
) -> None:
    result, _, planned = await both(served, query, variables)
    assert planned
    assert result.data == data
    assert result.errors is not None
    assert result.errors[0].path == [next(iter(data)) if data else "found"]


@pytest.mark.parametrize(
    "variables", [{}, {"id": None}, {"id": ["not", "an", "id"]}], ids=["missing", "null", "wrong-type"]
)
async def test_a_required_variable_missing_null_or_invalid_gets_graphql_cores_error_and_reads_nothing(
    served: ServedSchema, variables: dict[str, Any]
) -> None:
    result, readers, _ = await both(served, PRODUCT, variables)
    assert result.data is None
    assert result.errors
    assert [reader.reads for reader in readers] == [0, 0]


async def test_a_result_the_compiled_completion_cannot_complete_is_answered_by_graphql_core(
    served: ServedSchema,
) -> None:
    """A document without a non-null field's value: graphql-core's error, read again on its path."""
    broken = product(1)
    del broken["name"]
    result, readers, planned = await both(served, PRODUCT, {"id": "p1"}, products=[broken])
    assert planned
    assert result.data == {"product": None}
    assert result.errors is not None
    assert result.errors[0].path == ["product", "name"]
    assert [reader.reads for reader in readers] == [1, 2]


async def test_every_query_field_has_its_root_function(served: ServedSchema) -> None:
    assert set(ROOT_QUERIES) == set(served.graphql.query_type.fields)  # type: ignore[union-attr]
