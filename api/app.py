"""The ASGI application: POST /graphql (GraphiQL on GET), /metrics, /healthz, /readyz.

    app = create_app(settings)          # the lifespan builds `bootstrap.services(settings)` and closes it

POST /graphql is the hot path and is served in plain ASGI by `GraphQLEndpoint`, ahead of starlette: it reads
the body with orjson, runs the operation (`ServedSchema.execute`: cached checks, then graphql-core), and
writes the result with orjson, errors typed (`extensions.code`), the unexpected ones logged with their context
and masked. Starlette serves the rest and runs the lifespan. Access lines go to the `catalog.access` logger,
one JSON object per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bootstrap import Services, services
from api.logs import ACCESS_LOGGER, access_line
from api.pages.graphiql import graphiql_page
from api.pages.routes import page_routes
from api.schema.context import RequestContext
from api.schema.errors import describe
from api.schema.schema import ServedSchema, build_schema
from api.settings import Settings
from domain.model.errors import ErrorCode

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOGGER)

JSON_TYPE = "application/json"
MASKED_MESSAGE = "Unexpected error."
GRAPHQL_PATH = "/graphql"
OPERATION_KEY = "graphql_operation"


def create_app(settings: Settings, *, prebuilt: Services | None = None) -> ASGIApp:
    """The application. Its lifespan builds the services and closes them; `prebuilt` services (the CLI, tests)
    are used as they are, attached at once (no lifespan needed, e.g. under httpx's ASGITransport), not closed."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if prebuilt is not None:
            yield
            return
        async with services(settings) as built:
            _attach(app.state, built)
            yield

    pages = GraphQLPages(settings)
    routes = [
        Route("/graphql", pages.get, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *page_routes(settings),
    ]
    starlette = Starlette(routes=routes, lifespan=lifespan)
    if prebuilt is not None:
        _attach(starlette.state, prebuilt)
    graphql = GraphQLEndpoint(build_schema(settings), settings, starlette.state)
    return AccessLog(Dispatch(graphql, starlette), starlette.state)


def _attach(state: State, built: Services) -> None:
    state.services = built
    state.http = HttpMetrics(built.registry)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "catalog_http_requests", "HTTP requests by route and status", ["route", "status"], registry=registry
        )
        self.seconds = Histogram(
            "catalog_http_request_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        # `labels()` validates and locks on every call; the labelled children never change, so keep them.
        children = self._children.get((route, status))
        if children is None:
            children = self._children[route, status] = (
                self.requests.labels(route, str(status)),
                self.seconds.labels(route),
            )
        children[0].inc()
        children[1].observe(seconds)


class Dispatch:
    """POST /graphql goes straight to the GraphQL endpoint: the hot path skips starlette's request objects,
    routing and middleware. Everything else, the lifespan included, goes to the starlette application."""

    def __init__(self, graphql: ASGIApp, other: ASGIApp) -> None:
        self.graphql = graphql
        self.other = other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == GRAPHQL_PATH:
            await self.graphql(scope, receive, send)
        else:
            await self.other(scope, receive, send)


class ClientGone(Exception):
    pass


class GraphQLEndpoint:
    """POST /graphql, in plain ASGI: read the JSON body, run the operation, answer JSON (orjson both ways)."""

    def __init__(self, schema: ServedSchema, settings: Settings, state: State) -> None:
        self._schema = schema
        self._max_bytes = settings.max_request_bytes
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            status, body = await self._answer(scope, receive)
        except ClientGone:
            return
        except Exception:
            log.exception("event=graphql_request_failed")
            status, body = 500, _error_body(MASKED_MESSAGE, ErrorCode.INTERNAL)
        headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        headers = _headers(scope)
        body = await _read_body(receive, headers.get(b"content-length"), self._max_bytes)
        if body is None:
            return 413, _error_body(f"the request body exceeds {self._max_bytes} bytes")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400, _error_body("the request body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, _error_body("the request body must be a JSON object with a 'query' string")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return 400, _error_body("'variables' must be a JSON object")
        if operation_name is not None and not isinstance(operation_name, str):
            return 400, _error_body("'operationName' must be a string")
        scope.setdefault("state", {})[OPERATION_KEY] = operation_name
        authorization = headers.get(b"authorization")
        context = RequestContext(self._state.services, authorization.decode("latin-1") if authorization else None)
        result = await self._schema.execute(payload["query"], variables, context, operation_name)
        operation = self._schema.operation_label(payload["query"], operation_name) if result.errors else None
        return _result(result, operation)


class GraphQLPages:
    """GET /graphql: GraphiQL for browsers (when enabled); POST /graphql is the GraphQLEndpoint's."""

    def __init__(self, settings: Settings) -> None:
        self._graphiql = settings.graphiql

    async def get(self, request: Request) -> Response:
        if self._graphiql and "text/html" in request.headers.get("accept", ""):
            return graphiql_page()
        return _request_error("send GraphQL operations with POST /graphql", status=405)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The headers this endpoint reads (names are lower case in ASGI)."""
    return {name: value for name, value in scope["headers"] if name in _READ_HEADERS}


_READ_HEADERS = frozenset({b"authorization", b"content-length"})


async def _read_body(receive: Receive, declared: bytes | None, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` bytes (whatever Content-Length claims)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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


def _error_body(message: str, code: ErrorCode = ErrorCode.VALIDATION) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code.value}}]})


def _request_error(message: str, status: int = 400) -> Response:
    return Response(_error_body(message), status_code=status, media_type=JSON_TYPE)


async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.services.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    checks = await request.app.state.services.readiness()
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503)


class AccessLog:
    """One JSON line per request (method, path, status, duration, operation name); never headers or bodies.
    Also counts requests and times them in the Prometheus registry."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        path: str = scope["path"]
        route = path if path in _ROUTES else "other"
        http: HttpMetrics | None = getattr(self.state, "http", None)
        if http is not None:
            http.observe(route, status, seconds)
        if access_log.isEnabledFor(logging.INFO):
            state: MutableMapping[str, Any] = scope.get("state") or {}
            client = scope.get("client")
            fields = {
                "method": scope["method"],
                "path": path,
                "status": status,
                "ms": round(seconds * 1000, 2),
                "operation": state.get(OPERATION_KEY),
                "client": client[0] if client else None,
            }
            access_log.info(access_line(fields))


_ROUTES = frozenset({GRAPHQL_PATH, "/metrics", "/healthz", "/readyz"})
