"""Queries over HTTP: typed errors, read-your-writes with consistency tokens, and the protection limits."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest

from api.settings import Settings
from tests.integration.api.conftest import Api, open_api, product_input, stocked_product

pytestmark = pytest.mark.elasticsearch

SEARCH = """query($q: String, $first: Int, $after: String, $filter: ProductFilter, $t: String) {
  searchProducts(query: $q, first: $first, after: $after, filter: $filter, consistencyToken: $t) {
    totalCount edges { node { sku name } } pageInfo { hasNextPage endCursor } } }"""


def error(body: dict[str, Any]) -> tuple[str, str | None]:
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions.get("field")


async def test_a_write_read_with_its_token_is_always_seen_by_search(api: Api) -> None:
    for number, word in enumerate(["walnut", "birch", "maple", "cherry", "teak"]):
        created = await api.command("createProduct", product_input(f"S-{number}", name=f"{word.title()} bookcase"))
        found = await api.graphql(SEARCH, {"q": word, "t": created["consistencyToken"]})
        assert [edge["node"]["sku"] for edge in found["data"]["searchProducts"]["edges"]] == [f"S-{number}"]


async def test_every_read_with_a_token_sees_the_write(api: Api) -> None:
    created = await api.command("createProduct", product_input())
    received = await api.command("receiveStock", {"sku": "OAK-1", "quantity": 7})
    token = received["consistencyToken"]
    body = await api.graphql(
        """query($id: ID!, $t: String) {
             product(id: $id, consistencyToken: $t) { stock { onHand } }
             productBySku(sku: "OAK-1", consistencyToken: $t) { stock { onHand } }
             stockLevel(sku: "OAK-1", consistencyToken: $t) { onHand available }
           }""",
        {"id": created["aggregateId"], "t": token},
    )
    assert body["data"] == {
        "product": {"stock": {"onHand": 7}},
        "productBySku": {"stock": {"onHand": 7}},
        "stockLevel": {"onHand": 7, "available": 7},
    }


async def test_a_token_the_index_does_not_reach_in_time_is_a_conflict_not_stale_data(
    make_settings: Callable[..., Settings],
) -> None:
    async with open_api(make_settings(consistency_timeout_seconds=0.3)) as api:
        # A transaction id no database has reached: on PostgreSQL an idle partition's applied position follows the
        # horizon (xmin, 0), past every position of transaction 0 (docs/sync.md, "Partitions").
        body = await api.graphql(SEARCH, {"t": "c1.99999999999.1"})
    assert error(body) == ("CONFLICT", "consistencyToken")
    assert body["data"] is None


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"t": "not-a-token"}, ("VALIDATION", "consistencyToken")),
        ({"first": 101}, ("VALIDATION", "first")),
        ({"first": 0}, ("VALIDATION", "first")),
        ({"after": "bm90LWEtY3Vyc29y"}, ("VALIDATION", "after")),
        ({"filter": {"priceMin": "abc"}}, ("VALIDATION", "filter.priceMin")),
        ({"filter": {"priceMin": "10", "priceMax": "5"}}, ("VALIDATION", "filter.priceMin")),
    ],
)
async def test_bad_query_arguments_are_typed_errors(
    api: Api, variables: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = await api.post(SEARCH, variables)
    assert response.status_code == 200
    assert error(response.json()) == expected


TOKEN_READS = [
    'product(id: "1", consistencyToken: $t) { id }',
    'productBySku(sku: "S", consistencyToken: $t) { id }',
    "searchProducts(consistencyToken: $t) { totalCount }",
    'stockLevel(sku: "S", consistencyToken: $t) { sku }',
    'order(id: "1", consistencyToken: $t) { id }',
    "orders(consistencyToken: $t) { totalCount }",
]
FORGED_TOKENS = ["c1.\u00b9.1", "c1.0.\u0661", "c1.0." + "9" * 5000, "c1.0.1." + "x" * 10_000, "c1..1"]


async def test_every_read_refuses_a_forged_token_as_a_validation_error_of_the_token(api: Api) -> None:
    for read in TOKEN_READS:
        for forged in FORGED_TOKENS:
            body = await api.graphql(f"query($t: String) {{ {read} }}", {"t": forged}, api.token())
            assert error(body) == ("VALIDATION", "consistencyToken"), (read, forged[:20])
            assert len(body["errors"][0]["message"]) < 200


async def test_a_cursor_walks_every_match_once(api: Api) -> None:
    token = None
    for number in range(5):
        created = await api.command("createProduct", product_input(f"S-{number}", name=f"Chair {number}"))
        token = created["consistencyToken"]
    seen: list[str] = []
    after = None
    while True:
        body = await api.graphql(SEARCH, {"q": "chair", "first": 2, "after": after, "t": token})
        page = body["data"]["searchProducts"]
        seen += [edge["node"]["sku"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == [f"S-{n}" for n in range(5)]


async def test_an_ordinary_storefront_query_is_within_the_default_limits(api: Api) -> None:
    query = """{ searchProducts(first: 100) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id sku name description brand categoryPath price { amount currency }
        attributes { name value } status stock { sku onHand reserved available } inStock version createdAt updatedAt } }
      facets { categories { value count } brands { value count } priceRanges { min max count }
        attributes { name values { value count } } } } }"""
    response = await api.post(query)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()


async def test_limits_refuse_with_typed_errors_before_running(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        max_query_depth=3, max_query_tokens=100, max_query_aliases=2, max_query_cost=500, introspection=False
    )
    async with open_api(settings) as api:
        refused = {
            "depth": "{ searchProducts { edges { node { price { amount } } } } }",
            "tokens": "{ " + " ".join(f"f{i}: __typename" for i in range(60)) + " }",
            "aliases": '{ a: product(id: "1") { id } b: product(id: "2") { id } c: product(id: "3") { id } }',
            "cost": "{ searchProducts(first: 100) { edges { cursor node { id name sku } } } }",
            "introspection": "{ __schema { types { name } } }",
            "syntax": "{ searchProducts { ",
            "unknown field": "{ nope }",
        }
        for reason, query in refused.items():
            response = await api.post(query)
            assert response.status_code == 400, (reason, response.text)
            body = response.json()
            assert "data" not in body
            assert error(body)[0] == "VALIDATION", reason


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 400),
        (b'{"variables": {}}', 400),
        (b'{"query": "{ __typename }", "variables": [1]}', 400),
        (b'{"query": "query A { __typename } query B { __typename }"}', 400),
        (b'{"query": "{ __typename }", "operationName": "Missing"}', 400),
    ],
)
async def test_malformed_requests_are_typed_errors(api: Api, content: bytes, status: int) -> None:
    response = await api.http.post("/graphql", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert error(response.json())[0] == "VALIDATION"


async def test_an_oversized_body_is_refused(api: Api) -> None:
    huge = b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * (1 << 20) + b'"}}'
    response = await api.http.post("/graphql", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert error(response.json())[0] == "VALIDATION"


async def test_a_query_text_over_its_byte_limit_is_refused_before_it_is_parsed(api: Api) -> None:
    limit = api.settings.max_query_bytes
    padded = "{ __typename } #" + "x" * limit  # a comment: a few tokens, so only the byte limit can refuse it
    response = await api.post(padded)
    assert response.status_code == 413
    assert error(response.json())[0] == "VALIDATION"
    assert response.json()["errors"][0]["message"] == f"the query text exceeds {limit} bytes"
    within = await api.post("{ __typename } #" + "x" * (limit - 100))
    assert within.json() == {"data": {"__typename": "Query"}}


async def test_an_unexpected_failure_is_logged_and_masked(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenReader:
        async def product(self, id: str) -> None:
            raise RuntimeError("internal detail: connection string postgres://user:pw@db")

    settings = make_settings()
    swap = lambda built: dataclasses.replace(built, reader=BrokenReader())  # noqa: E731
    async with open_api(settings, swap=swap) as api:
        with caplog.at_level(logging.ERROR, logger="api.app"):
            response = await api.post('query Detail { product(id: "1") { id } }')
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"product": None}
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text
    assert "internal detail" in caplog.text
    assert "operation=Detail" in caplog.text


async def test_a_decimal_that_is_not_a_number_is_a_validation_error_of_its_field(api: Api) -> None:
    body = await api.graphql(
        'mutation { createProduct(input: {sku: "S", name: "N", price: {amount: "12,50", currency: "EUR"}}) '
        "{ ok errors { code field } } }",
        token=api.token(),
    )
    assert body["data"]["createProduct"] == {"ok": False, "errors": [{"code": "VALIDATION", "field": "price.amount"}]}


async def test_suggestions_and_facets_come_from_the_index(api: Api) -> None:
    token = None
    for number, (name, brand) in enumerate([("Oak chair", "Acme"), ("Oak table", "Nordic"), ("Pine bed", "Acme")]):
        created = await api.command(
            "createProduct", product_input(f"S-{number}", name=name, brand=brand, description=None, attributes=[])
        )
        token = created["consistencyToken"]
    body = await api.graphql(
        """query($t: String) {
             searchProducts(query: "oak", consistencyToken: $t) { facets { brands { value count } } } }""",
        {"t": token},
    )
    assert sorted(body["data"]["searchProducts"]["facets"]["brands"], key=lambda f: f["value"]) == [
        {"value": "Acme", "count": 1},
        {"value": "Nordic", "count": 1},
    ]
    # suggestProducts takes no token; the search above has made the writes visible
    suggested = await api.graphql('{ suggestProducts(prefix: "oa") { sku name } }')
    assert sorted(s["sku"] for s in suggested["data"]["suggestProducts"]) == ["S-0", "S-1"]


async def test_a_discontinued_product_is_never_in_stock(api: Api) -> None:
    product_id = await stocked_product(api, "GONE-1", quantity=5)
    discontinued = await api.command("discontinueProduct", {"productId": product_id})
    query = """query($id: ID!, $t: String, $inStock: Boolean) {
      product(id: $id, consistencyToken: $t) { inStock stock { available } }
      searchProducts(filter: {inStock: $inStock, includeDiscontinued: true}, consistencyToken: $t) { totalCount } }"""
    variables = {"id": product_id, "t": discontinued["consistencyToken"]}

    in_stock = await api.graphql(query, {**variables, "inStock": True})
    out_of_stock = await api.graphql(query, {**variables, "inStock": False})

    assert in_stock["data"]["product"] == {"inStock": False, "stock": {"available": 5}}
    assert in_stock["data"]["searchProducts"]["totalCount"] == 0
    assert out_of_stock["data"]["searchProducts"]["totalCount"] == 1
