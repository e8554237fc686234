"""GraphiQL on GET /graphql, from files the service serves itself (`api/static/graphiql/`, vendored from npm).

strawberry's own page loads seven assets from a public CDN and stays at "Loading..." without internet; this one
references same-origin paths only. The script that mounts GraphiQL is a file too (`start.js`), so the page's
policy needs no inline script; it explains the header editor (`{"Authorization": "Bearer <token>"}`).
"""

from __future__ import annotations

from starlette.responses import HTMLResponse

from api.pages.security import page_response, policy

ASSETS = "/static/graphiql"

GRAPHIQL_HTML = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>GraphiQL · catalog-service</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSETS}/graphiql.min.css">
    <link rel="stylesheet" href="{ASSETS}/plugin-explorer.css">
    <link rel="stylesheet" href="{ASSETS}/page.css">
    <script defer src="{ASSETS}/react.production.min.js"></script>
    <script defer src="{ASSETS}/react-dom.production.min.js"></script>
    <script defer src="{ASSETS}/graphiql.min.js"></script>
    <script defer src="{ASSETS}/plugin-explorer.umd.js"></script>
    <script defer src="{ASSETS}/start.js"></script>
  </head>
  <body>
    <!-- Mutations need a bearer token: `catalog token --scope ...` prints one. Open "Headers" (bottom panel)
         and paste {{"Authorization": "Bearer <token>"}}. Headers are kept for this tab only. -->
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript. Without it, POST GraphQL requests to /graphql.</noscript>
  </body>
</html>
"""


def graphiql_page() -> HTMLResponse:
    return page_response(GRAPHIQL_HTML, policy(inline_style_elements=True))
