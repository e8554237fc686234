"""The routes of the browser pages, for `create_app` to append: the files each page loads, the storefront, and
the demo catalog's images (served whatever pages are on: any frontend may show the demo catalog).

GET /graphql itself stays with the GraphQL endpoint's routes (it answers GraphiQL to browsers, see
`api.pages.graphiql`). A page switched off serves none of its files either.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from api.pages.demo_images import demo_image_routes
from api.pages.storefront import storefront_routes
from api.settings import Settings

STATIC_PATH = "/static"


def page_routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [*demo_image_routes()]
    if settings.graphiql:
        routes.append(_static("graphiql"))
    if settings.storefront:
        routes.append(_static("storefront"))
        routes.extend(storefront_routes())
    return routes


def _static(folder: str) -> Mount:
    """`/static/<folder>/...` from the package data `api/static/<folder>/`."""
    return Mount(f"{STATIC_PATH}/{folder}", StaticFiles(packages=[("api", f"static/{folder}")]), name=folder)
