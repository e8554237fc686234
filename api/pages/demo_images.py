"""The demo catalog's product images: `/demo/images/<slug>-<view>.svg`, drawn from the name alone, so the demo
shows pictures without any network or file (`api.demo.assortment` names them).

A picture is a tinted square with a shape that differs per view and the product's words: the slug without its
trailing numbers ('rustic-oak-sofa-17-2' -> 'Rustic Oak Sofa', view 2). Nothing of the request reaches the SVG
but lowercase letters, digits and hyphens.
"""

from __future__ import annotations

import hashlib
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = "/demo/images/{name}.svg"
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+){0,30}")
_PALETTE = ("#e8d5b7", "#c9dbc8", "#cdd5e8", "#ead0d7", "#d9d2e9", "#f1e3c6", "#cfe5e3", "#e5dccf")
_SHAPES = (
    '<circle cx="400" cy="330" r="170" fill="#ffffff" fill-opacity="0.55"/>',
    '<rect x="220" y="170" width="360" height="320" rx="24" fill="#ffffff" fill-opacity="0.55"/>',
    '<path d="M400 140 L600 500 L200 500 Z" fill="#ffffff" fill-opacity="0.55"/>',
)
HEADERS = {
    "cache-control": "public, max-age=86400",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def demo_image(name: str) -> str | None:
    """The SVG of a demo image's name, or None when the name is not one."""
    if len(name) > 200 or not _NAME.fullmatch(name):
        return None
    words = name.split("-")
    view = int(words[-1]) if words[-1].isdigit() else 1
    while words and words[-1].isdigit():
        words.pop()
    title = " ".join(word.capitalize() for word in words) or "Product"
    tint = _PALETTE[hashlib.sha256(title.encode()).digest()[0] % len(_PALETTE)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800">'
        f'<rect width="800" height="800" fill="{tint}"/>{_SHAPES[(view - 1) % len(_SHAPES)]}'
        '<text x="400" y="640" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#4a4a4a">'
        f"{title}</text></svg>"
    )


def demo_image_routes() -> list[Route]:
    async def image(request: Request) -> Response:
        svg = demo_image(request.path_params["name"])
        if svg is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(svg, media_type="image/svg+xml", headers=HEADERS)

    return [Route(PATH, image, methods=["GET"])]
