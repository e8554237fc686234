"""The storefront at `/`: a page of plain HTML, ES modules and CSS (`api/static/storefront/`), built only on the
public GraphQL API, as any frontend would be. One HTML shell answers every storefront path; the page's own
router (`app.js`) shows the search, a product or the order history.
"""

from __future__ import annotations

from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.pages.security import page_response, policy

PATHS = ("/", "/products/{product_id}", "/cart", "/orders")


def storefront_routes() -> list[Route]:
    html = files("api").joinpath("static/storefront/index.html").read_text(encoding="utf-8")
    content_security_policy = policy()

    async def shell(_request: Request) -> Response:
        return page_response(html, content_security_policy)

    return [Route(path, shell, methods=["GET"]) for path in PATHS]
