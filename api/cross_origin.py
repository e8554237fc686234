"""CORS: which other origins' pages may call the API from a browser (`CATALOG_CORS_ORIGINS`), with starlette's
CORSMiddleware around the whole application (the fast path's endpoint included).

An origin is `scheme://host[:port]` (`api.settings` checks the syntax); `scheme://host:*` allows any port of
that host (a development server picks its own: `http://localhost:*`), and `*` any origin. Nothing else is a
pattern: no wildcard hosts. Preflights are answered for GET, POST and OPTIONS with the headers `authorization`,
`content-type` and `x-request-id`, and answers expose `x-request-id` (`api.request_id`: a page may send its own
and read the one its request was logged under); credentials (cookies) are never allowed, since the API takes
bearer tokens only; every answer varies by `Origin`. None configured (the default): no CORS headers at all, so
browsers keep every other origin's pages out.
"""

from __future__ import annotations

import re

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api.request_id import HEADER as REQUEST_ID_HEADER

ANY_PORT = ":*"
METHODS = ("GET", "POST", "OPTIONS")
REQUEST_ID = REQUEST_ID_HEADER.decode()
HEADERS = ("authorization", "content-type", REQUEST_ID)
PREFLIGHT_MAX_AGE_SECONDS = 600


def with_cors(app: ASGIApp, origins: list[str]) -> ASGIApp:
    if not origins:
        return app
    exact = [origin for origin in origins if not origin.endswith(ANY_PORT)]
    any_port = [
        re.escape(origin.removesuffix(ANY_PORT)) + r"(?::\d{1,5})?" for origin in origins if origin not in exact
    ]
    return CORSMiddleware(
        app,
        allow_origins=exact,
        allow_origin_regex="|".join(f"(?:{pattern})" for pattern in any_port) or None,
        allow_methods=METHODS,
        allow_headers=HEADERS,
        expose_headers=(REQUEST_ID,),
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
