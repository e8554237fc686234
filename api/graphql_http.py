"""GraphQL over HTTP, whichever way a request arrives: the request in, the result (or the refusal) out.

`GraphQLHttp.respond` is what POST /graphql does once the body can be read, for the fast path's plain-ASGI
endpoint and for the starlette route alike, and `respond_to_get` what GET /graphql with a query does; so every
way answers the same bytes, status and headers (`api.http_answers.Answer`): request errors (oversized, not
JSON, not a GraphQL request; parse and validation errors) are 400 or 413 without `data`; a mutation over GET is
405; executed operations are 200 with `data`, errors typed by `extensions.code`, the unexpected ones logged
with their context and masked; a failure of the endpoint itself is a masked 500. Persisted queries are resolved
first (`api.persisted_queries`); which answers caches may keep is `api.response_caching`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Awaitable, Mapping
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError, OperationType
from starlette.datastructures import State
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.graphql_requests import BadRequest, GraphQLRequest, from_json_body, from_query_params
from api.http_answers import ALLOW_POST, CLOSE, Answer, error_body, refusal
from api.pages.graphiql import graphiql_page
from api.persisted_queries import NOT_FOUND_CODE, NOT_FOUND_MESSAGE, PersistedQueries, PersistedQueryNotFound
from api.response_caching import CachePolicy, public_fields_only
from api.schema.context import RequestContext
from api.schema.errors import describe
from api.schema.schema import ServedSchema
from api.settings import Settings
from domain.model.errors import ErrorCode

# The logger these events have always had (api.app): log queries and alerts select on it.
log = logging.getLogger("api.app")

MASKED_MESSAGE = "Unexpected error."
GRAPHQL_PATH = "/graphql"
OPERATION_KEY = "graphql_operation"


class GraphQLHttp:
    def __init__(self, schema: ServedSchema, settings: Settings, state: State) -> None:
        self.schema = schema
        self.max_bytes = settings.max_request_bytes
        self.max_query_bytes = settings.max_query_bytes
        self.persisted = PersistedQueries(settings.persisted_queries_max_entries, settings.persisted_queries_max_bytes)
        self.caching = CachePolicy(settings.public_max_age_seconds)
        self._state = state

    async def respond(self, body: Awaitable[bytes | None], authorization: str | None, scope: Scope) -> Answer | None:
        """The answer to a POST whose `body` (None: over the size limit) is being read; None when the client left
        before it was read (nothing to answer)."""
        try:
            read = await body
            if read is None:  # the rest of it is not worth reading: the connection closes after the answer
                return refusal(413, f"the request body exceeds {self.max_bytes} bytes", extra=CLOSE)
            return await self._answer(from_json_body(read), authorization, scope, read_only=False)
        except ClientDisconnect:
            return None
        except Exception as error:
            return _refused(error)

    async def respond_to_get(
        self, parameters: Mapping[str, str], authorization: str | None, if_none_match: str | None, scope: Scope
    ) -> Answer:
        """The answer to a GET with its parameters; 304 when it is public and `if_none_match` names it."""
        try:
            answer = await self._answer(from_query_params(parameters), authorization, scope, read_only=True)
        except Exception as error:
            return _refused(error)
        return self.caching.revalidated(answer, if_none_match)

    async def _answer(
        self, request: GraphQLRequest, authorization: str | None, scope: Scope, *, read_only: bool
    ) -> Answer:
        query, to_store = self.persisted.query_of(request)
        if _utf8_longer_than(query, self.max_query_bytes):
            return refusal(413, f"the query text exceeds {self.max_query_bytes} bytes")
        operation_name = request.operation_name
        public = False
        checked = self.schema.checked_operation(query, operation_name) if read_only else None
        if checked is not None:
            operation, fragments = checked
            if operation.operation is not OperationType.QUERY:
                return refusal(405, "only queries may be sent with GET; send mutations with POST", extra=ALLOW_POST)
            public = authorization is None and public_fields_only(operation.selection_set, fragments)
        if to_store is not None and self.schema.accepts(query):
            self.persisted.register(to_store, query)
        label = self.schema.operation_label(query, operation_name)
        scope.setdefault("state", {})[OPERATION_KEY] = label  # for the access line
        context = RequestContext(self._state.services, authorization)
        result = await self.schema.execute(query, request.variables, context, operation_name)
        status, body = _result(result, label)
        return self.caching.public(body) if public and not result.errors else Answer(status, body)


def _refused(error: Exception) -> Answer:
    """The answer to a request that could not be run: what it lacks, or a masked 500 for the unexpected."""
    if isinstance(error, BadRequest):
        return refusal(error.status, error.message)
    if isinstance(error, PersistedQueryNotFound):  # Apollo's wording and code, which its clients look for
        return Answer(200, error_body(NOT_FOUND_MESSAGE, NOT_FOUND_CODE))
    log.error("event=graphql_request_failed", exc_info=error)
    return refusal(500, MASKED_MESSAGE, ErrorCode.INTERNAL.value)


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
            await response(answer)(scope, receive, send)


class GraphQLGetRoute:
    """GET /graphql: a query in the parameters (`query` and/or `extensions`); without one, GraphiQL for a
    browser (when switched on), a 400 for anything else."""

    def __init__(self, http: GraphQLHttp, graphiql: bool) -> None:
        self._http = http
        self._graphiql = graphiql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        headers = request.headers
        if "query" in request.query_params or "extensions" in request.query_params:
            answer = await self._http.respond_to_get(
                request.query_params, headers.get("authorization"), headers.get("if-none-match"), scope
            )
            await response(answer)(scope, receive, send)
        elif self._graphiql and "text/html" in headers.get("accept", ""):
            await graphiql_page()(scope, receive, send)
        else:
            message = "send a query: GET /graphql?query=... (queries only) or POST /graphql"
            await response(refusal(400, message))(scope, receive, send)


def response(answer: Answer) -> Response:
    """`answer` as a starlette response: its own headers, and Content-Length (none on a 304)."""
    return Response(answer.body, status_code=answer.status, headers=answer.header_map())


def _utf8_longer_than(text: str, limit: int) -> bool:
    """Whether `text` takes more than `limit` bytes in UTF-8 (encoded only when its length leaves a doubt)."""
    return len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit)


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
        if problem.retry_after is not None:
            formatted["extensions"]["retryAfter"] = problem.retry_after
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
