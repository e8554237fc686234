"""The headers every answer carries, on both paths: nosniff everywhere, and no cache may keep what answers a
token, a mutation or an order (issue 14, item 18)."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import Api

pytestmark = pytest.mark.elasticsearch

QUERY = {"query": "{ searchProducts(first: 1) { totalCount } }"}
ORDERS = {"query": "{ orders(first: 1) { totalCount } }"}
MUTATION = {
    "query": "mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { ok } }",
    "variables": {"i": {"sku": "NONE-1", "quantity": 1}},
}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_every_answer_says_nosniff(api: Api) -> None:
    answers = [
        await api.http.post("/graphql", json=QUERY),
        await api.http.post("/graphql", content=b"{not json"),
        await api.http.post("/graphql", content=b"x" * (api.settings.max_request_bytes + 1)),
        await api.http.get("/graphql", params=QUERY),
        await api.http.get("/graphql", headers={"accept": "text/html"}),
        await api.http.get("/healthz"),
        await api.http.get("/metrics"),
        await api.http.get("/"),
        await api.http.get("/static/storefront/app.js"),
        await api.http.get("/nowhere"),
    ]
    assert [answer.headers.get("x-content-type-options") for answer in answers] == ["nosniff"] * len(answers)


@pytest.mark.parametrize(
    ("body", "token"),
    [(QUERY, "staff"), (QUERY, None), (ORDERS, "customer"), (ORDERS, None), (MUTATION, "staff"), (MUTATION, None)],
    ids=["authenticated", "anonymous", "orders", "orders-refused", "mutation", "mutation-refused"],
)
async def test_no_post_answer_may_be_stored(api: Api, body: dict[str, object], token: str | None) -> None:
    tokens = {"staff": api.token(), "customer": api.token("orders:place", customer="c-1")}
    headers = bearer(tokens[token]) if token else {}
    answer = await api.http.post("/graphql", json=body, headers=headers)
    assert answer.headers["cache-control"] == "no-store"
    assert "etag" not in answer.headers


async def test_any_answer_to_a_request_with_a_token_is_no_store(api: Api) -> None:
    answers = [
        await api.http.get("/healthz", headers=bearer(api.token())),
        await api.http.get("/graphql", params=QUERY, headers=bearer(api.token())),
        await api.http.get("/static/storefront/app.js", headers=bearer("not-even-a-token")),
    ]
    assert [answer.headers["cache-control"] for answer in answers] == ["no-store"] * 3


async def test_a_body_too_large_to_read_closes_the_connection(api: Api) -> None:
    answer = await api.http.post("/graphql", content=b"x" * (api.settings.max_request_bytes + 1))
    assert (answer.status_code, answer.headers["connection"]) == (413, "close")


async def test_the_graphiql_page_keeps_its_content_security_policy(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert "script-src 'self'" in page.headers["content-security-policy"]
