"""POST /graphql in plain ASGI, ahead of starlette: the hot path skips starlette's routing, middleware and
request and response objects (docs/performance.md). What it answers is `GraphQLHttp.respond`'s, as on the
starlette route."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql_http import GRAPHQL_PATH, GraphQLHttp, bounded_body

_READ_HEADERS = frozenset({b"authorization", b"content-length"})


class Dispatch:
    """POST /graphql goes straight to the GraphQL endpoint; everything else, the lifespan included, goes to the
    starlette application."""

    def __init__(self, graphql: ASGIApp, other: ASGIApp) -> None:
        self.graphql = graphql
        self.other = other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == GRAPHQL_PATH:
            await self.graphql(scope, receive, send)
        else:
            await self.other(scope, receive, send)


class GraphQLEndpoint:
    """Reads the body from ASGI messages and writes the answer as two ASGI messages."""

    def __init__(self, http: GraphQLHttp) -> None:
        self._http = http

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The headers this endpoint reads (names are lower case in ASGI).
        headers = {name: value for name, value in scope["headers"] if name in _READ_HEADERS}
        authorization = headers.get(b"authorization")
        body = bounded_body(_chunks(receive), headers.get(b"content-length"), self._http.max_bytes)
        answer = await self._http.respond(body, authorization.decode("latin-1") if authorization else None, scope)
        if answer is None:
            return
        response_headers = [*answer.headers, (b"content-length", str(len(answer.body)).encode())]
        await send({"type": "http.response.start", "status": answer.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": answer.body})


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
