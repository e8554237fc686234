"""Headers every response carries, whichever part of the application answered it:

- `x-content-type-options: nosniff`: a browser takes a response for the type it declares, never for a script
  or a page it guesses from the bytes;
- `cache-control: no-store` on the answer to any request with an Authorization header: what a caller sees with
  its token is kept by no cache, its browser's included.

GraphQL answers set both their way already (`api.http_answers`); this is for every route, CORS preflights and
errors included.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if NOSNIFF[0] not in {name for name, _ in headers}:
                    headers.append(NOSNIFF)
                if authenticated:
                    headers = [header for header in headers if header[0] != NO_STORE[0]] + [NO_STORE]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
