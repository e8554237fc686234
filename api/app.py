"""The ASGI application: /graphql (POST, and GET for queries or GraphiQL), /metrics, /healthz, /readyz.

    app = create_app(settings)          # the lifespan builds `bootstrap.services(settings)` and closes it

POST /graphql answers what `api.graphql_http.GraphQLHttp` answers. With the fast path (`settings.fast_path`)
it is served in plain ASGI ahead of starlette (`api.fastpath.asgi_endpoint`); without it, as a starlette
route. Starlette serves the rest (GET /graphql included) and runs the lifespan. Around all of it: CORS when
origins are configured (`api.cross_origin`), the headers every response carries (`api.response_headers`), and
the access log. Access lines go to the `catalog.access` logger, one per request, in the stream's format
(`api/logs.py`); each request has an id (`api/request_id.py`), in its response's `X-Request-Id` header and in
every line logged while it is served.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bootstrap import Services, services
from api.cross_origin import with_cors
from api.fastpath.asgi_endpoint import Dispatch, GraphQLEndpoint
from api.fastpath.guarded_http import REFUSED_STATUS_KEY
from api.graphql_http import GRAPHQL_PATH, OPERATION_KEY, GraphQLGetRoute, GraphQLHttp, GraphQLRoute
from api.logs import ACCESS_LOGGER, FIELDS
from api.metrics import HttpMetrics
from api.pages.routes import page_routes
from api.request_id import HEADER as REQUEST_ID_HEADER
from api.request_id import REQUEST_ID, accepted_or_new
from api.response_headers import SecurityHeaders
from api.schema.schema import build_schema
from api.settings import Settings

access_log = logging.getLogger(ACCESS_LOGGER)


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

    schema = build_schema(settings)
    routes = [
        Route("/metrics", metrics, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *page_routes(settings),
    ]
    starlette = Starlette(routes=routes, lifespan=lifespan)
    if prebuilt is not None:
        _attach(starlette.state, prebuilt)
    http = GraphQLHttp(schema, settings, starlette.state)
    starlette.routes.append(Route(GRAPHQL_PATH, GraphQLGetRoute(http, settings.graphiql), methods=["GET"]))
    if settings.fast_path:
        served: ASGIApp = Dispatch(GraphQLEndpoint(http), starlette)
    else:
        starlette.routes.append(Route(GRAPHQL_PATH, GraphQLRoute(http), methods=["POST"]))
        served = starlette
    return AccessLog(SecurityHeaders(with_cors(served, settings.cors_origins)), starlette.state)


def _attach(state: State, built: Services) -> None:
    state.services = built
    state.http = HttpMetrics(built.registry)


async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.services.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    checks = await request.app.state.services.readiness()
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503)


CLIENT_CLOSED_REQUEST = 499
"""nginx's status for a request whose client disconnected before it was answered: not the server's error."""


class AccessLog:
    """One access line per request (method, path, status, duration, operation, client, request id); never
    headers or bodies. Sets the request id for the request's log lines and its response. Also counts requests
    and times them in the Prometheus registry. A client that disconnects before its request is answered is
    counted as `CLIENT_CLOSED_REQUEST` (499), never as a server error."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        failed = True
        request_id = accepted_or_new(_header(scope, REQUEST_ID_HEADER))
        context = REQUEST_ID.set(request_id)
        echoed = (REQUEST_ID_HEADER, request_id.encode())

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
            failed = False
        finally:
            if status is None:
                # The endpoints return without an answer only when the client left before its request was read,
                # or when the HTTP guard answered it instead (a body that took too long: 408).
                refused: int | None = (scope.get("state") or {}).get(REFUSED_STATUS_KEY)
                status = 500 if failed else refused or CLIENT_CLOSED_REQUEST
            self._record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(context)

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
            access_log.info("event=request", extra={FIELDS: fields})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


_ROUTES = frozenset({GRAPHQL_PATH, "/metrics", "/healthz", "/readyz"})
