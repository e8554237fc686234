"""Issue 14's reproduction over HTTP: 2 148 receipts of 1 000 000 once took a product's stock past 2^31, where
the index refused its documents for good, and reads with a consistency token answered stale data. Now the domain
stops at its bound; and a document the index refuses anyway makes a token read of its write an error."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from api.settings import Settings
from domain.model.input_limits import ON_HAND_MAX
from read_index.indices import INITIAL_SUFFIX, PRODUCTS, alias_name, index_name
from read_index.mappings import PRODUCT_MAPPING
from tests.integration.api.conftest import Api, open_api, product_input

pytestmark = pytest.mark.elasticsearch

RECEIPTS = 2_148
QUANTITY = 1_000_000
PER_REQUEST = 30  # aliased mutations, within CATALOG_MAX_QUERY_ALIASES


async def receive_many(api: Api, sku: str, count: int) -> list[dict[str, Any]]:
    fields = " ".join(
        f'r{i}: receiveStock(input: {{sku: "{sku}", quantity: {QUANTITY}}}) '
        "{ ok consistencyToken errors { code field } }"
        for i in range(count)
    )
    body = await api.graphql(f"mutation {{ {fields} }}", token=api.token())
    assert "errors" not in body, body
    return [body["data"][f"r{i}"] for i in range(count)]


# A document of many aliased mutations takes graphql-core's path either way: once is enough.
@pytest.mark.parametrize("fast_path", [True], ids=["one-path"])
async def test_receiving_stock_stops_at_the_bound_and_the_index_keeps_up(api: Api) -> None:
    created = await api.command("createProduct", product_input("BULK-1"))
    results: list[dict[str, Any]] = []
    while len(results) < RECEIPTS:
        results += await receive_many(api, "BULK-1", min(PER_REQUEST, RECEIPTS - len(results)))

    accepted = ON_HAND_MAX // QUANTITY
    assert all(result["ok"] for result in results[:accepted])
    refused = results[accepted:]
    assert {(error["code"], error["field"]) for result in refused for error in result["errors"]} == {
        ("VALIDATION", "quantity")
    }
    assert not any(result["ok"] for result in refused)
    last_token = results[accepted - 1]["consistencyToken"]
    read = await api.graphql(
        "query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { version stock { onHand } } }",
        {"id": created["aggregateId"], "t": last_token},
    )
    assert read["data"]["product"] == {"version": accepted + 1, "stock": {"onHand": ON_HAND_MAX}}


async def test_a_token_read_of_a_write_the_index_refused_is_an_error_not_stale_data(
    make_settings: Callable[..., Settings], es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    # A products index whose stock fields hold less than the domain allows: documents past 32 767 are refused,
    # as the integer mapping once refused stock past 2^31.
    mapping = copy.deepcopy(PRODUCT_MAPPING)
    for stock_field in ("on_hand", "reserved", "available"):
        mapping["properties"][stock_field] = {"type": "short"}
    alias = alias_name(index_prefix, PRODUCTS)
    await es_client.indices.create(
        index=index_name(index_prefix, PRODUCTS, INITIAL_SUFFIX), mappings=mapping, aliases={alias: {}}
    )
    async with open_api(make_settings()) as api:
        created = await api.command("createProduct", product_input("SHORT-1"))
        by_id, search = (
            f"query($t: String) {{ {field} }}"
            for field in (
                f'product(id: "{created["aggregateId"]}", consistencyToken: $t) {{ version }}',
                'searchProducts(query: "SHORT-1", consistencyToken: $t) { totalCount }',
            )
        )
        indexed = await api.graphql(by_id, {"t": created["consistencyToken"]})
        assert indexed["data"]["product"] == {"version": 1}
        received = await api.command("receiveStock", {"sku": "SHORT-1", "quantity": 40_000})
        later = await api.command("createProduct", product_input("SHORT-2"))
        assert received["ok"]
        assert later["ok"]

        refused = [await api.graphql(read, {"t": received["consistencyToken"]}) for read in (by_id, search)]
        unrelated = [await api.graphql(read, {"t": later["consistencyToken"]}) for read in (by_id, search)]
        stale = await api.graphql(by_id)

    for body in refused:
        [error] = body["errors"]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert error["extensions"]["field"] == "consistencyToken"
        assert "dead letter" in error["message"]
        assert created["aggregateId"] in error["message"]
    assert [body.get("errors") for body in unrelated] == [None, None]  # a write that was indexed reads as usual
    assert stale == {"data": {"product": {"version": 1}}}  # without a token: what the index has
