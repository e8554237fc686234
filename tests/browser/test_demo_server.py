"""`catalog serve --demo` over HTTP, before any browser: it seeded an empty database, says where the pages are,
and mints the demo customer's token (the refusals are in tests/integration/api/test_demo_mode.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]


def test_serve_demo_seeds_an_empty_database_and_prints_where_the_pages_are(demo_server: Server) -> None:
    output = demo_server.log.read_text()
    assert "demo catalog: 3,000 products and their orders" in output
    assert f"Storefront: {demo_server.url}/" in output
    assert f"GraphiQL: {demo_server.url}/graphql" in output
    found = httpx.post(f"{demo_server.url}/graphql", json={"query": "{ searchProducts { totalCount } }"}, timeout=30)
    assert found.json() == {"data": {"searchProducts": {"totalCount": 3000}}}


def test_serve_demo_mints_a_customer_token_for_the_demo_customer(demo_server: Server) -> None:
    minted = httpx.post(f"{demo_server.url}/demo/customer-token", timeout=30)
    orders = httpx.post(
        f"{demo_server.url}/graphql",
        json={"query": "{ orders { edges { node { customerId } } } }"},
        headers={"authorization": f"Bearer {minted.json()['token']}"},
        timeout=30,
    )
    customers = {edge["node"]["customerId"] for edge in orders.json()["data"]["orders"]["edges"]}
    assert customers == {minted.json()["customerId"]}
