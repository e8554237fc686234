"""CORS in a real Chromium: a page served from another origin (a second loopback port) calls the API with
`fetch`, over POST (with a preflight: it sends JSON and a bearer token) and over GET, and reads the data; the
same page reached under an origin not configured is refused by the browser itself."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS
from tests.e2e.conftest import Server, catalog_env, free_port, running_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.elasticsearch]

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>another origin</title></head>
<body><pre id="post">...</pre><pre id="get">...</pre>
<script type="module">
  const { api, token, query } = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  async function show(id, call) {
    try {
      const answer = await call();
      document.getElementById(id).textContent = JSON.stringify((await answer.json()).data);
    } catch (error) {
      document.getElementById(id).textContent = "refused: " + error.message;
    }
  }
  show("post", () => fetch(api + "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + token },
    body: JSON.stringify({ query }),
  }));
  show("get", () => fetch(api + "/graphql?query=" + encodeURIComponent(query)));
</script></body></html>
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def page_port() -> Iterator[int]:
    """A server of the page above on its own loopback port: another origin than the API's."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api_for_the_page(
    page_port: int, elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`catalog serve` allowing the page's origin as 127.0.0.1 only (so `localhost` is another, refused one)."""
    tmp = tmp_path_factory.mktemp("cors")
    env = catalog_env(tmp, elasticsearch_url, f"browser-{uuid.uuid4().hex[:12]}")
    env["CATALOG_CORS_ORIGINS"] = f"http://127.0.0.1:{page_port}"
    yield from running_server(["serve"], env, tmp, elasticsearch_url)


def open_page(chromium: PlaywrightBrowser, url: str, server: Server, query: str) -> tuple[str, str]:
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        token = server.token("orders:read")
        page.goto(f"{url}/#{httpx.QueryParams({'api': server.url, 'token': token, 'query': query})}")
        for answer in ("#post", "#get"):
            expect(page.locator(answer)).not_to_have_text("...")
        return page.locator("#post").inner_text(), page.locator("#get").inner_text()
    finally:
        context.close()


def test_a_page_of_an_allowed_origin_reads_the_api(
    chromium: PlaywrightBrowser, api_for_the_page: Server, page_port: int
) -> None:
    created = httpx.post(
        f"{api_for_the_page.url}/graphql",
        json={
            "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { consistencyToken } }",
            "variables": {"i": {"sku": "CORS-1", "name": "Cross-origin lamp", "brand": "Acme",
                                "categoryPath": ["Home"], "price": {"amount": "9.00", "currency": "EUR"}}},
        },
        headers={"authorization": f"Bearer {api_for_the_page.token('catalog:write')}"},
        timeout=30,
    ).json()["data"]["createProduct"]  # fmt: skip
    query = f'{{ productBySku(sku: "CORS-1", consistencyToken: "{created["consistencyToken"]}") {{ name }} }}'
    posted, fetched = open_page(chromium, f"http://127.0.0.1:{page_port}", api_for_the_page, query)
    assert posted == fetched == '{"productBySku":{"name":"Cross-origin lamp"}}'


def test_a_page_of_another_origin_is_refused_by_the_browser(
    chromium: PlaywrightBrowser, api_for_the_page: Server, page_port: int
) -> None:
    posted, fetched = open_page(chromium, f"http://localhost:{page_port}", api_for_the_page, "{ __typename }")
    assert posted.startswith("refused: ")
    assert fetched.startswith("refused: ")
