"""Pages for browsers, served by the service itself: GraphiQL on GET /graphql and the storefront at `/`.

They load scripts, styles and fonts from `/static/` only (package data under `api/static/`), never from another
host, and each answers with a Content-Security-Policy that says so.
"""
