"""A GraphQL request as a client sends it, over POST (a JSON body) or GET (query parameters, `variables` and
`extensions` as JSON texts), checked into one shape. `query` may be absent when `extensions` names a persisted
query (`api.persisted_queries`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


class BadRequest(Exception):
    """A request the endpoint cannot take; the message is safe to show."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def from_json_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("the request body is not JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("the request body must be a JSON object with a 'query' string")
    return _checked(
        payload.get("query"), payload.get("variables"), payload.get("operationName"), payload.get("extensions")
    )


def from_query_params(params: Mapping[str, str]) -> GraphQLRequest:
    variables, extensions = _json_parameter(params, "variables"), _json_parameter(params, "extensions")
    return _checked(params.get("query"), variables, params.get("operationName"), extensions)


def _json_parameter(params: Mapping[str, str], name: str) -> Any:
    text = params.get(name)
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadRequest(f"'{name}' must be a JSON object") from None


def _checked(query: Any, variables: Any, operation_name: Any, extensions: Any) -> GraphQLRequest:
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("'extensions' must be a JSON object")
    if query is None and not (extensions and "persistedQuery" in extensions):
        raise BadRequest("the request must have a 'query' string (or a persisted query's hash in 'extensions')")
    if query is not None and not isinstance(query, str):
        raise BadRequest("'query' must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("'variables' must be a JSON object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("'operationName' must be a string")
    return GraphQLRequest(query, variables, operation_name, extensions)
