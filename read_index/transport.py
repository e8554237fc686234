"""Raw requests to Elasticsearch through elasticsearch-py's public `perform_request`, and the seam the reader
sends its requests through.

The generated client methods re-check every parameter and serialize with the client's serializer (the standard
library's json unless bootstrap configures ``OrjsonSerializer``); on the hot path a pre-built body costs less.
Responses are parsed by the client's serializer: build the client with ``serializer=OrjsonSerializer()``.

`ReadTransport` is what `CatalogReader` reads through: `ClientTransport` is elasticsearch-py's way; another
implementation (the fast path's lean connections) must answer the same values and raise the same exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import orjson
from elasticsearch import AsyncElasticsearch, NotFoundError

JSON_HEADERS = {"accept": "application/json", "content-type": "application/json"}
_NDJSON = {"accept": "application/json", "content-type": "application/x-ndjson"}
_ACCEPT = {"accept": "application/json"}
_RETRIED_UNLESS_UNAVAILABLE = (429, 502, 504)
POINT_IN_TIME_SEARCH = "/_search"


def path_part(value: str) -> str:
    """One URL path segment: an id or index name with '/', '?', '#' and the like escaped."""
    return quote(value, safe="")


def target(path: str, params: Mapping[str, str] | None = None) -> str:
    """A request target: the path and its query string (commas kept, as Elasticsearch lists are written)."""
    return f"{path}?{urlencode(params, safe=',')}" if params else path


async def post_ndjson(
    client: AsyncElasticsearch, path: str, lines: list[bytes], params: Mapping[str, Any] | None = None
) -> Any:
    body = b"\n".join(lines) + b"\n"
    response = await client.perform_request("POST", path, params=params, headers=_NDJSON, body=body)
    return response.body


class ReadTransport(Protocol):
    """The reader's two requests. `target`s are paths with their query string, built once by the caller."""

    async def search(self, target: str, body: Mapping[str, Any]) -> Any:
        """The JSON answer of a search; elasticsearch-py's exceptions for anything else."""

    async def get(self, target: str) -> Any | None:
        """The JSON answer of a GET, or None when Elasticsearch says the document is not found (404)."""


class ClientTransport:
    """`ReadTransport` through elasticsearch-py."""

    def __init__(self, client: AsyncElasticsearch) -> None:
        self.client = client
        # A search through a point in time names no index (its target is /_search). Its 503 means the point in
        # time lost its shards (their index was deleted, by a rebuild say): final, so it is not retried.
        self._point_in_time_client = client.options(retry_on_status=_RETRIED_UNLESS_UNAVAILABLE)

    async def search(self, target: str, body: Mapping[str, Any]) -> Any:
        return await self.post(target, orjson.dumps(body))

    async def post(self, target: str, payload: bytes) -> Any:
        """A search whose body is serialized already."""
        client = self._point_in_time_client if target.startswith(POINT_IN_TIME_SEARCH) else self.client
        response = await client.perform_request("POST", target, headers=JSON_HEADERS, body=payload)
        return response.body

    async def get(self, target: str) -> Any | None:
        try:
            response = await self.client.perform_request("GET", target, headers=_ACCEPT)
        except NotFoundError as error:
            if isinstance(error.body, dict) and error.body.get("found") is False:
                return None
            raise
        return response.body
