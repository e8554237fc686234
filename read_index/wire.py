"""Requests whose bodies are serialized here with orjson, whatever serializer the client was built with.

The generated client methods re-check every parameter and serialize with the client's serializer (the standard
library's json unless bootstrap configures ``OrjsonSerializer``); on the hot path a pre-built body costs less.
Responses are parsed by the client's serializer: build the client with ``serializer=OrjsonSerializer()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson
from elasticsearch import AsyncElasticsearch

_JSON = {"accept": "application/json", "content-type": "application/json"}
_NDJSON = {"accept": "application/json", "content-type": "application/x-ndjson"}


def path_part(value: str) -> str:
    """One URL path segment: an id or index name with '/', '?', '#' and the like escaped."""
    return quote(value, safe="")


async def post_json(
    client: AsyncElasticsearch, path: str, body: Mapping[str, Any], params: Mapping[str, Any] | None = None
) -> Any:
    response = await client.perform_request("POST", path, params=params, headers=_JSON, body=orjson.dumps(body))
    return response.body


async def get_json(client: AsyncElasticsearch, path: str, params: Mapping[str, Any] | None = None) -> Any:
    response = await client.perform_request("GET", path, params=params, headers={"accept": "application/json"})
    return response.body


async def post_ndjson(
    client: AsyncElasticsearch, path: str, lines: list[bytes], params: Mapping[str, Any] | None = None
) -> Any:
    body = b"\n".join(lines) + b"\n"
    response = await client.perform_request("POST", path, params=params, headers=_NDJSON, body=body)
    return response.body
