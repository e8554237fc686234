"""The persisted-query store: texts by the SHA-256 their clients name, within its entries and its bytes."""

from __future__ import annotations

import hashlib

import pytest

from api.graphql_requests import BadRequest, GraphQLRequest
from api.persisted_queries import PersistedQueries, PersistedQueryNotFound


def request(query: str | None, digest: str) -> GraphQLRequest:
    return GraphQLRequest(query, None, None, {"persistedQuery": {"version": 1, "sha256Hash": digest}})


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_text_sent_with_its_hash_is_found_by_the_hash_alone_once_registered() -> None:
    store = PersistedQueries(max_entries=10, max_bytes=1 << 20)
    with pytest.raises(PersistedQueryNotFound):
        store.query_of(request(None, digest("{ a }")))
    text, to_store = store.query_of(request("{ a }", digest("{ a }")))
    assert (text, to_store) == ("{ a }", digest("{ a }"))
    store.register(digest("{ a }"), "{ a }")
    assert store.query_of(request(None, digest("{ a }").upper())) == ("{ a }", None)


def test_a_text_that_does_not_match_its_hash_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="does not match"):
        PersistedQueries(10, 1 << 20).query_of(request("{ b }", digest("{ a }")))


def test_the_store_keeps_within_its_entries_and_its_bytes() -> None:
    by_entries = PersistedQueries(max_entries=3, max_bytes=1 << 20)
    by_bytes = PersistedQueries(max_entries=1000, max_bytes=64 * 1024)
    for number in range(50):
        text = f"{{ a{number} }} #" + "x" * 8000
        by_entries.register(digest(text), text)
        by_bytes.register(digest(text), text)
    assert len(by_entries.store) == 3
    assert 0 < len(by_bytes.store) <= 8  # 64 KiB hold eight texts of 8 KB at the most
    assert by_bytes.store.bytes <= 64 * 1024
