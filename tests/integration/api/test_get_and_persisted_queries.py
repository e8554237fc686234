"""Queries over GET and automatic persisted queries, on both paths: GET runs queries only, anonymous catalog
reads are public with an ETag (and 304 on revalidation), everything else is no-store; a hash the store does not
know is Apollo's `PersistedQueryNotFound`, and a text sent with its hash is stored once it checks out
(issue 15, item 2)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import orjson
import pytest

from tests.integration.api.conftest import Api, stocked_product

pytestmark = pytest.mark.elasticsearch

SEARCH = "query Search($first: Int) { searchProducts(first: $first) { totalCount edges { node { sku } } } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str, version: int = 1) -> str:
    return orjson.dumps({"persistedQuery": {"version": version, "sha256Hash": sha256(text)}}).decode()


async def get(api: Api, headers: dict[str, str] | None = None, **parameters: Any) -> httpx.Response:
    params = {
        name: value if isinstance(value, str) else orjson.dumps(value).decode() for name, value in parameters.items()
    }
    return await api.http.get("/graphql", params=params, headers=headers or {})


async def test_a_query_over_get_answers_what_the_same_query_over_post_answers(api: Api) -> None:
    await stocked_product(api, "GET-1")
    posted = await api.http.post("/graphql", json={"query": SEARCH, "variables": {"first": 5}})
    fetched = await get(api, query=SEARCH, variables={"first": 5}, operationName="Search")
    assert fetched.status_code == posted.status_code == 200
    assert fetched.content == posted.content


async def test_a_mutation_over_get_is_refused_with_405_and_runs_nothing(api: Api) -> None:
    mutation = 'mutation { receiveStock(input: {sku: "GET-2", quantity: 1}) { ok } }'
    rows_before = await api.outbox_rows()
    refused = await get(api, {"authorization": f"Bearer {api.token()}"}, query=mutation)
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST")
    assert refused.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert await api.outbox_rows() == rows_before


async def test_an_anonymous_catalog_read_over_get_is_public_and_revalidates_to_304(api: Api) -> None:
    first = await get(api, query=SEARCH, variables={"first": 1})
    assert first.headers["cache-control"] == f"public, max-age={api.settings.public_max_age_seconds}"
    assert first.headers["vary"] == "Authorization"
    tag = first.headers["etag"]
    again = await get(api, {"if-none-match": tag}, query=SEARCH, variables={"first": 1})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert again.headers["cache-control"] == first.headers["cache-control"]
    stale = await get(api, {"if-none-match": '"something-else"'}, query=SEARCH, variables={"first": 1})
    assert (stale.status_code, stale.content) == (200, first.content)


@pytest.mark.parametrize(
    ("query", "authenticated"),
    [
        (SEARCH, True),
        ("{ orders(first: 1) { totalCount } }", False),
        ("{ searchProducts(first: 1) { totalCount } orders(first: 1) { totalCount } }", False),
        ("{ searchProducts(first: 100000) { totalCount } }", False),
        ('{ product(id: "x", consistencyToken: "garbage") { id } }', False),
    ],
    ids=["with-a-token", "orders", "catalog-and-orders", "refused", "failed"],
)
async def test_other_get_answers_are_not_stored(api: Api, query: str, authenticated: bool) -> None:
    headers = {"authorization": f"Bearer {api.token()}"} if authenticated else {}
    answer = await get(api, headers, query=query)
    assert answer.headers["cache-control"] == "no-store"
    assert "etag" not in answer.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unknown_hash_asks_for_the_text_and_the_text_is_then_stored(api: Api, method: str) -> None:
    query = f"{SEARCH} # {method}"

    async def send(**body: Any) -> httpx.Response:
        if method == "GET":
            return await get(api, **body)
        return await api.http.post("/graphql", json={**body, "extensions": orjson.loads(body["extensions"])})

    unknown = await send(extensions=persisted(query), variables={"first": 1})
    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    assert unknown.headers["cache-control"] == "no-store"
    registered = await send(extensions=persisted(query), variables={"first": 1}, query=query)
    known = await send(extensions=persisted(query), variables={"first": 1})
    assert registered.json()["data"]["searchProducts"]["totalCount"] == 0
    assert known.content == registered.content


async def test_a_text_that_does_not_match_its_hash_is_refused_and_not_stored(api: Api) -> None:
    claimed = persisted("{ __typename }")
    mismatched = await get(api, query=SEARCH, extensions=claimed)
    assert mismatched.status_code == 400
    assert mismatched.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert (await get(api, extensions=claimed)).json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_a_text_that_fails_the_checks_is_answered_but_not_stored(api: Api) -> None:
    invalid = "{ searchProducts { nope } }"
    answered = await get(api, query=invalid, extensions=persisted(invalid))
    assert answered.status_code == 400
    assert (await get(api, extensions=persisted(invalid))).json()["errors"][0]["message"] == "PersistedQueryNotFound"


@pytest.mark.parametrize(
    "extensions",
    [
        '{"persistedQuery": {"version": 2, "sha256Hash": "' + "0" * 64 + '"}}',
        '{"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}}',
        '{"persistedQuery": "yes"}',
        "[1]",
        "{not json",
    ],
    ids=["version", "hash", "shape", "not-an-object", "not-json"],
)
async def test_malformed_extensions_are_typed_errors(api: Api, extensions: str) -> None:
    refused = await get(api, extensions=extensions)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_a_get_without_a_query_is_a_typed_error_for_anything_but_a_browser(api: Api) -> None:
    refused = await api.http.get("/graphql", headers={"accept": "application/json"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
