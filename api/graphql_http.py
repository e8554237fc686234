"""GraphQL over HTTP, whichever way a request arrives: the JSON body in, the result (or the refusal) out.

`GraphQLHttp.respond` is what POST /graphql does once the body can be read, for the fast path's plain-ASGI
endpoint and for the starlette route alike, so both answer the same bytes with the same status: request
errors (oversized, not JSON, not a GraphQL request; parse and validation errors) are 400 or 413 without
`data`; executed operations are 200 with `data`, errors typed by `extensions.code`, the unexpected ones logged
with their context and masked; a failure of the endpoint itself is a masked 500.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Awaitable
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError
from starlette.datastructures import State
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.schema.context import RequestContext
from api.schema.errors import describe
from api.schema.schema import ServedSchema
from api.settings import Settings
from domain.model.errors import ErrorCode

# The logger these events have always had (api.app): log queries and alerts select on it.
log = logging.getLogger("api.app")

JSON_TYPE = "application/json"
MASKED_MESSAGE = "Unexpected error."
GRAPHQL_PATH = "/graphql"
OPERATION_KEY = "graphql_operation"


class GraphQLHttp:
    def __init__(self, schema: ServedSchema, settings: Settings, state: State) -> None:
        self.schema = schema
        self.max_bytes = settings.max_request_bytes
        self._state = state

    async def respond(
        self, body: Awaitable[bytes | None], authorization: str | None, scope: Scope
    ) -> tuple[int, bytes] | None:
        """Status and body of the answer to a request whose `body` (None: over the size limit) is being read;
        None when the client left before it was read (nothing to answer)."""
        try:
            return await self._answer(await body, authorization, scope)
        except ClientDisconnect:
            return None
        except Exception:
            log.exception("event=graphql_request_failed")
            return 500, error_body(MASKED_MESSAGE, ErrorCode.INTERNAL)

    async def _answer(self, body: bytes | None, authorization: str | None, scope: Scope) -> tuple[int, bytes]:
        if body is None:
            return 413, error_body(f"the request body exceeds {self.max_bytes} bytes")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400, error_body("the request body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, error_body("the request body must be a JSON object with a 'query' string")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return 400, error_body("'variables' must be a JSON object")
        if operation_name is not None and not isinstance(operation_name, str):
            return 400, error_body("'operationName' must be a string")
        operation = self.schema.operation_label(payload["query"], operation_name)
        scope.setdefault("state", {})[OPERATION_KEY] = operation  # for the access line
        context = RequestContext(self._state.services, authorization)
        result = await self.schema.execute(payload["query"], variables, context, operation_name)
        return _result(result, operation)


async def bounded_body(chunks: AsyncIterable[bytes], declared: str | bytes | None, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` bytes (whatever Content-Length claims)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class GraphQLRoute:
    """POST /graphql as a starlette route (the way without the fast path): starlette reads the request and
    writes the response."""

    def __init__(self, http: GraphQLHttp) -> None:
        self._http = http

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = bounded_body(request.stream(), request.headers.get("content-length"), self._http.max_bytes)
        answer = await self._http.respond(body, request.headers.get("authorization"), scope)
        if answer is not None:
            await Response(answer[1], status_code=answer[0], media_type=JSON_TYPE)(scope, receive, send)


def _result(result: ExecutionResult, operation_name: str | None) -> tuple[int, bytes]:
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [format_error(error, operation_name) for error in result.errors]
    executed = result.data is not None or not result.errors or any(e.path is not None for e in result.errors)
    if executed:  # request errors (parse, validation) have no data at all; execution errors have data: null
        response["data"] = result.data
    return (200 if executed else 400), orjson.dumps(response)


def format_error(error: GraphQLError, operation_name: str | None = None) -> dict[str, Any]:
    """A GraphQL error as the client sees it: typed refusals with their code (and field), request errors as
    VALIDATION, anything unexpected logged with its context and masked as INTERNAL."""
    original = error.original_error
    problem = describe(original) if original is not None else None
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        formatted["path"] = error.path
    if problem is not None:
        formatted["message"] = problem.message
        formatted["extensions"] = {"code": problem.code.value, "field": problem.field}
    elif error.path is None and (original is None or isinstance(original, GraphQLError | ValueError | TypeError)):
        formatted["extensions"] = {"code": ErrorCode.VALIDATION.value}
    else:
        log.error(
            "event=graphql_unexpected_error operation=%s path=%s error=%r",
            operation_name,
            ".".join(map(str, error.path or ())),
            original if original is not None else error.message,
            exc_info=original,
        )
        formatted["message"] = MASKED_MESSAGE
        formatted["extensions"] = {"code": ErrorCode.INTERNAL.value}
    return formatted


def error_body(message: str, code: ErrorCode = ErrorCode.VALIDATION) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code.value}}]})
