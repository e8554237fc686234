"""POST /demo/customer-token: a short-lived token for the demo customer, so the storefront can place orders.

Development only, and safe by construction: `catalog serve --demo` adds this route only when tokens are signed
with the generated development secret (no CATALOG_JWT_SECRET, no CATALOG_JWT_PUBLIC_KEY_FILE), which no
production deployment uses; everywhere else the path is a 404. The token can do what any customer token can
(`orders:place`: place, pay and cancel its own orders, read its own orders) for one fixed demo customer, and
expires in `TTL_SECONDS`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import Authenticator
from api.demo.orders_data import DEMO_CUSTOMER
from api.response_headers import SecurityHeaders
from api.scopes import Scope as TokenScope
from api.settings import Settings

PATH = "/demo/customer-token"
TTL_SECONDS = 30 * 60
SCOPES = (TokenScope.ORDERS_PLACE.value,)


def signs_with_development_secret(settings: Settings) -> bool:
    return settings.jwt_secret is None and settings.jwt_public_key_file is None


class WithDemoCustomerToken:
    """The application, plus POST /demo/customer-token in front of it."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.demo = Starlette(
            routes=[Route(PATH, self.mint, methods=["POST"])], middleware=[Middleware(SecurityHeaders)]
        )
        self._authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            await self.demo(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def mint(self, _request: Request) -> JSONResponse:
        token = self._authenticator.issue(SCOPES, DEMO_CUSTOMER, TTL_SECONDS)
        body = {
            "token": token,
            "customerId": DEMO_CUSTOMER,
            "scopes": list(SCOPES),
            "expiresInSeconds": TTL_SECONDS,
            "note": "development only: catalog serve --demo with the generated development secret",
        }
        return JSONResponse(body, headers={"cache-control": "no-store"})
