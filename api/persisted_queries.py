"""Automatic persisted queries, as Apollo Client's persisted-query link and urql's persisted exchange send them.

A client first sends only `extensions.persistedQuery = {"version": 1, "sha256Hash": <hex SHA-256 of the query
text>}` (over GET, a short URL a CDN can cache). A hash the store does not know is answered with the error
Apollo looks for (`PersistedQueryNotFound`, `extensions.code = "PERSISTED_QUERY_NOT_FOUND"`, status 200, never
cached); the client then sends the text with the hash, which is checked against it and, once the text passes
the query checks, stored. The store is per process, bounded by entries and by bytes (least recently used out):
a client whose hash was dropped or went to another process just sends the text again.
"""

from __future__ import annotations

import hashlib
import re
import sys
from typing import Any

from api.bounded_cache import BoundedCache
from api.graphql_requests import BadRequest, GraphQLRequest

VERSION = 1
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


class PersistedQueryNotFound(Exception):
    """The hash names no stored query: the client is to send the text along with it."""


class PersistedQueries:
    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.store: BoundedCache[str, str] = BoundedCache(max_entries, max_bytes)

    def query_of(self, request: GraphQLRequest) -> tuple[str, str | None]:
        """The query text `request` runs, and the hash to store it under once it is accepted (None: nothing to
        store). Raises PersistedQueryNotFound, or BadRequest for a malformed or mismatched hash."""
        digest = _hash(request.extensions)
        if digest is None:
            assert request.query is not None  # a request without a hash has a query (graphql_requests)
            return request.query, None
        if request.query is None:
            stored = self.store.get(digest)
            if stored is None:
                raise PersistedQueryNotFound
            return stored, None
        if hashlib.sha256(request.query.encode("utf-8", "surrogatepass")).hexdigest() != digest:
            raise BadRequest("the persisted query's sha256Hash does not match the query text")
        return request.query, digest

    def register(self, digest: str, query: str) -> None:
        self.store.put(digest, query, sys.getsizeof(query) + sys.getsizeof(digest))


def _hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
        raise BadRequest(f'\'extensions.persistedQuery\' must be {{"version": {VERSION}, "sha256Hash": ...}}')
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
        raise BadRequest("'extensions.persistedQuery.sha256Hash' must be 64 hex digits (a SHA-256)")
    return digest.lower()
