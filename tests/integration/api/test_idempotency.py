"""A repeated idempotencyKey (per caller) returns the first outcome without running the command again."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.api.conftest import Api, product_input, stocked_product

pytestmark = pytest.mark.elasticsearch


async def test_a_repeated_key_returns_the_first_outcome_and_writes_once(api: Api) -> None:
    first = await api.command("createProduct", product_input(idempotencyKey="create-oak-1"))
    rows = await api.outbox_rows()
    again = await api.command("createProduct", product_input(idempotencyKey="create-oak-1"))
    assert again == first
    assert await api.outbox_rows() == rows


async def test_racing_calls_with_one_key_run_the_command_once(api: Api) -> None:
    await stocked_product(api, quantity=0)
    calls = [api.command("receiveStock", {"sku": "OAK-1", "quantity": 3, "idempotencyKey": "delivery-42"})
             for _ in range(8)]  # fmt: skip
    results = await asyncio.gather(*calls)
    assert all(result["ok"] for result in results), results
    assert len({(result["version"], result["consistencyToken"]) for result in results}) == 1
    stock = await api.graphql(
        'query($t: String) { stockLevel(sku: "OAK-1", consistencyToken: $t) { onHand } }',
        {"t": results[0]["consistencyToken"]},
    )
    assert stock["data"]["stockLevel"] == {"onHand": 3}


async def test_keys_are_scoped_per_caller(api: Api) -> None:
    await stocked_product(api, quantity=5)
    line = {"sku": "OAK-1", "quantity": 1}
    alice = api.token("orders:place", customer="alice")
    bob = api.token("orders:place", customer="bob")
    alices = await api.command("placeOrder", {"customerId": "alice", "lines": [line], "idempotencyKey": "k"}, alice)
    bobs = await api.command("placeOrder", {"customerId": "bob", "lines": [line], "idempotencyKey": "k"}, bob)
    assert alices["ok"]
    assert bobs["ok"]
    assert alices["aggregateId"] != bobs["aggregateId"]


async def test_reusing_a_key_for_another_command_is_a_conflict(api: Api) -> None:
    assert (await api.command("createProduct", product_input(idempotencyKey="k1")))["ok"]
    rows = await api.outbox_rows()
    other = await api.command("createProduct", product_input("OTHER-1", idempotencyKey="k1"))
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("CONFLICT", "idempotencyKey")]
    assert await api.outbox_rows() == rows
