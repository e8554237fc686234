"""Apollo Client's automatic persisted queries against a real `catalog serve`, with the fast path and without,
in the very bytes Apollo Client 4 sends them: recreated from its source (the suite runs no Node), and checked
once against `@apollo/client` 4.3.8 itself, run under Node with a fetch that logged each request: the same
URLs, headers, bodies and query hash as below.

`createPersistedQueryLink({sha256, useGETForHashedQueries: true})` over `HttpLink`, for a query:
1. GET with the hash only: `operationName`, `variables` and `extensions` as URL parameters, in that order, each
   `encodeURIComponent(JSON.stringify(...))` (link/http/rewriteURIForGET.ts); `extensions` carries HttpLink's
   `clientLibrary` before the link's `persistedQuery` (link/client-awareness/ClientAwarenessLink.ts); the
   headers are `accept: application/graphql-response+json,application/json;q=0.9` and `content-type:
   application/json`
   (link/http/selectHttpOptionsAndBody.ts), so a browser preflights even the GET.
2. On `PersistedQueryNotFound` (by message or by `extensions.code`), the same operation once more, with the
   query text, as a POST: `JSON.stringify({operationName, variables, extensions, query})`
   (link/persisted-queries/index.ts sets `fetchOptions.method = "POST"` for the retry).
The text is `print()`ed after InMemoryCache added `__typename` to every selection set below the root.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from graphql import parse, print_ast

from tests.e2e.conftest import Server
from tests.e2e.raw_http import exchange

QUERY = print_ast(
    parse(
        """query Search($first: Int) {
          searchProducts(first: $first) { totalCount edges { node { sku name __typename } __typename } __typename }
        }"""
    )
)
HEADERS = b"accept: application/graphql-response+json,application/json;q=0.9\r\ncontent-type: application/json\r\n"


def stringify(value: Any) -> str:
    """JavaScript's JSON.stringify: no spaces, keys in insertion order, non-ASCII as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_uri_component(text: str) -> str:
    return quote(text, safe="!~*'()")


def extensions() -> dict[str, Any]:
    sha256 = hashlib.sha256(QUERY.encode()).hexdigest()
    return {
        "clientLibrary": {"name": "@apollo/client", "version": "4.3.8"},
        "persistedQuery": {"version": 1, "sha256Hash": sha256},
    }


def hashed_get(
    server: Server, variables: dict[str, Any], extra_headers: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    parameters = [
        ("operationName", "Search"),
        ("variables", stringify(variables)),
        ("extensions", stringify(extensions())),
    ]
    target = "/graphql?" + "&".join(f"{name}={encode_uri_component(value)}" for name, value in parameters)
    host = server.url.removeprefix("http://").encode()
    return exchange(
        server, b"GET %s HTTP/1.1\r\nhost: %s\r\n%s%s\r\n" % (target.encode(), host, HEADERS, extra_headers)
    )


def retry_with_the_text(server: Server, variables: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    body = stringify({"operationName": "Search", "variables": variables, "extensions": extensions(), "query": QUERY})
    host = server.url.removeprefix("http://").encode()
    head = b"POST /graphql HTTP/1.1\r\nhost: %s\r\n%scontent-length: %d\r\n\r\n" % (host, HEADERS, len(body.encode()))
    return exchange(server, head + body.encode())


def test_apollo_clients_hashed_get_then_post_round_trip_and_a_cached_hit(server: Server) -> None:
    variables = {"first": 2}
    status, headers, body = hashed_get(server, variables)
    errors = json.loads(body)["errors"]
    assert (status, errors[0]["message"], errors[0]["extensions"]["code"]) == (
        200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"
    )  # fmt: skip
    assert headers["cache-control"] == "no-store"  # a CDN must not keep the miss

    status, headers, retried = retry_with_the_text(server, variables)
    assert status == 200
    assert "searchProducts" in json.loads(retried)["data"]

    status, headers, hit = hashed_get(server, variables)
    assert (status, hit) == (200, retried)
    assert headers["cache-control"].startswith("public, max-age=")
    status, revalidated, empty = hashed_get(server, variables, b"if-none-match: %s\r\n" % headers["etag"].encode())
    assert (status, empty, revalidated["etag"]) == (304, b"", headers["etag"])
