"""Issue 14's reproduction over HTTP: 2 148 receipts of 1 000 000 once took a product's stock past 2^31, where
the index refused its document for good. Now the domain stops at its bound and the index keeps up."""

from __future__ import annotations

from typing import Any

import pytest

from domain.model.input_limits import ON_HAND_MAX
from tests.integration.api.conftest import Api, product_input

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
