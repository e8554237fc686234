"""End to end: HTTP GraphQL against a running `catalog serve`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CATALOG, Server, catalog_env

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]

RESULT = "{ ok aggregateId version consistencyToken errors { code field message } }"
STAFF = ("catalog:write", "inventory:write", "orders:write", "orders:read")


def graphql(server: Server, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{server.url}/graphql", json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=30)  # fmt: skip
    assert "Traceback" not in response.text
    return response.json()


def command(server: Server, mutation: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    kind = mutation[0].upper() + mutation[1:] + "Input"
    body = graphql(server, f"mutation($i: {kind}!) {{ {mutation}(input: $i) {RESULT} }}", {"i": input}, token)
    result: dict[str, Any] = body["data"][mutation]
    return result


def product(sku: str, name: str, price: str = "49.00") -> dict[str, Any]:
    return {"sku": sku, "name": name, "brand": "Acme", "categoryPath": ["Home", "Lighting"],
            "price": {"amount": price, "currency": "EUR"}}  # fmt: skip


def test_a_created_product_is_found_by_a_word_of_its_name_within_a_bounded_wait(server: Server) -> None:
    token = server.token("catalog:write")
    created = command(server, "createProduct", product("LAMP-1", "Brass reading lamp"), token)
    assert created["ok"], created
    deadline = time.monotonic() + 10
    while True:
        found = graphql(server, '{ searchProducts(query: "reading") { edges { node { id sku name } } } }')
        nodes = [edge["node"] for edge in found["data"]["searchProducts"]["edges"]]
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert nodes == [{"id": created["aggregateId"], "sku": "LAMP-1", "name": "Brass reading lamp"}]


def test_a_products_life(server: Server) -> None:
    token = server.token(*STAFF)
    created = command(server, "createProduct", product("DESK-1", "Standing desk", "399.00"), token)
    product_id = created["aggregateId"]
    steps = [
        ("updateProductDetails", {"productId": product_id, "expectedVersion": 1, "description": "Electric."}),
        ("changeProductPrice", {"productId": product_id, "price": {"amount": "349.00", "currency": "EUR"}}),
        ("receiveStock", {"sku": "DESK-1", "quantity": 10}),
        ("adjustStock", {"sku": "DESK-1", "delta": -1, "reason": "showroom model"}),
        ("discontinueProduct", {"productId": product_id}),
    ]
    last = created
    for mutation, input in steps:
        last = command(server, mutation, input, token)
        assert last["ok"], (mutation, last)
    read = graphql(
        server,
        """query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) {
             description price { amount } status version stock { onHand available } } }""",
        {"id": product_id, "t": last["consistencyToken"]},
    )
    assert read["data"]["product"] == {
        "description": "Electric.",
        "price": {"amount": "349.00"},
        "status": "DISCONTINUED",
        "version": 6,
        "stock": {"onHand": 9, "available": 9},
    }


def test_an_orders_life(server: Server) -> None:
    staff = server.token(*STAFF)
    assert command(server, "createProduct", product("BULB-1", "LED bulb", "4.50"), staff)["ok"]
    assert command(server, "receiveStock", {"sku": "BULB-1", "quantity": 100}, staff)["ok"]
    customer = server.token("orders:place", customer="carol")
    placed = command(
        server, "placeOrder", {"customerId": "carol", "lines": [{"sku": "BULB-1", "quantity": 4}]}, customer
    )
    assert placed["ok"], placed
    order_id = placed["aggregateId"]
    paid = command(
        server, "payOrder", {"orderId": order_id, "amount": {"amount": "18.00", "currency": "EUR"}}, customer
    )
    assert paid["ok"], paid
    shipped = command(server, "shipOrder", {"orderId": order_id}, staff)
    assert shipped["ok"], shipped
    mine = graphql(
        server,
        """query($t: String) { orders(consistencyToken: $t) { totalCount edges { node {
             id status total { amount currency } lines { sku quantity } } } } }""",
        {"t": shipped["consistencyToken"]},
        customer,
    )
    assert mine["data"]["orders"]["edges"] == [{"node": {
        "id": order_id, "status": "SHIPPED", "total": {"amount": "18.00", "currency": "EUR"},
        "lines": [{"sku": "BULB-1", "quantity": 4}],
    }}]  # fmt: skip
    stranger = server.token("orders:place", customer="dave")
    hidden = graphql(server, "query($id: ID!) { order(id: $id) { id } }", {"id": order_id}, stranger)
    assert hidden == {"data": {"order": None}}  # as for an id that names no order


def test_bad_input_returns_typed_errors_and_no_stack_trace(server: Server) -> None:
    token = server.token("catalog:write")
    refused = command(
        server, "createProduct", {**product("", "x" * 300), "price": {"amount": "-5", "currency": "EURO"}}, token
    )
    assert refused["ok"] is False
    assert {(e["code"], e["field"]) for e in refused["errors"]} == {
        ("VALIDATION", "sku"), ("VALIDATION", "name"), ("VALIDATION", "price.currency")
    }  # fmt: skip
    unauthenticated = command(server, "createProduct", product("OK-1", "Fine"), "not-a-token")
    assert unauthenticated["errors"][0]["code"] == "UNAUTHENTICATED"
    for body in (
        b"{",
        b'{"query": "{ searchProducts { "}',
        b'{"query": "{ searchProducts(first: 1000) { totalCount } }"}',
    ):
        response = httpx.post(f"{server.url}/graphql", content=body, headers={"content-type": "application/json"})
        assert "Traceback" not in response.text
        assert 'File "' not in response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


def test_an_unreachable_elasticsearch_is_one_clear_line(tmp_path: Path) -> None:
    env = catalog_env(tmp_path, "http://127.0.0.1:9", "e2e-unreachable")
    done = subprocess.run(
        [CATALOG, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 3  # a store did not answer (2: bad usage or configuration; api/cli/exit_codes.py)
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: Elasticsearch is not reachable at http://127.0.0.1:9")
    assert "Traceback" not in done.stderr


def test_migrate_says_what_it_did(tmp_path: Path) -> None:
    env = catalog_env(tmp_path, "http://127.0.0.1:9", "unused")
    first = subprocess.run([CATALOG, "migrate"], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "applied" in first.stdout
    again = subprocess.run([CATALOG, "migrate"], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "up to date" in again.stdout
