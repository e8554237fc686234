"""The browser pages' HTTP surface, in-process (no store needed): GraphiQL and the storefront load only files the
service serves itself, under a same-origin Content-Security-Policy, and each switch turns its page off."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from api.demo.catalog_data import products
from api.settings import Settings

GRAPHIQL_ASSETS = Path(__file__).parents[3] / "api" / "static" / "graphiql"
HTML = {"accept": "text/html"}
REFERENCE = re.compile(r"""(?:src|href)="([^"]*)\"""")


@asynccontextmanager
async def browser_http(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings.model_validate(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as http:
        yield http


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = (directive.split() for directive in policy.split(";"))
    return {name: values for name, *values in parsed}


async def test_graphiql_references_only_files_of_its_own_origin_and_each_is_served() -> None:
    async with browser_http() as http:
        page = await http.get("/graphql", headers=HTML)
        references = REFERENCE.findall(page.text)
        assert len(references) == 9
        for reference in references:
            assert reference == "data:," or reference.startswith("/static/graphiql/"), reference
            if reference.startswith("/"):
                assert (await http.get(reference)).status_code == 200, reference


async def test_graphiql_page_policy_allows_only_its_origin_and_no_inline_script_or_eval() -> None:
    async with browser_http() as http:
        policy = directives(await http.get("/graphql", headers=HTML))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'", "'unsafe-inline'"]  # a dialog's scroll lock; see api/pages
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("'unsafe-eval'" in values for values in policy.values())


async def test_graphiql_page_tells_how_to_send_a_bearer_token() -> None:
    async with browser_http() as http:
        page = await http.get("/graphql", headers=HTML)
        start = await http.get("/static/graphiql/start.js")
    assert '{"Authorization": "Bearer <token>"}' in page.text
    assert "isHeadersEditorEnabled: true" in start.text


def test_vendored_graphiql_files_are_the_pinned_npm_releases() -> None:
    rows = [line.split("\t") for line in (GRAPHIQL_ASSETS / "VERSIONS").read_text().splitlines()]
    pinned = {row[0]: row[3] for row in rows if not row[0].startswith("#")}
    assert len(pinned) == 6
    for name, sha384 in pinned.items():
        digest = base64.b64encode(hashlib.sha384((GRAPHIQL_ASSETS / name).read_bytes()).digest()).decode()
        assert digest == sha384, name


async def test_graphiql_switched_off_serves_neither_the_page_nor_its_files() -> None:
    async with browser_http(graphiql=False) as http:
        page = await http.get("/graphql", headers=HTML)
        script = await http.get("/static/graphiql/graphiql.min.js")
    assert (page.status_code, page.headers["content-type"]) == (400, "application/json")
    assert script.status_code == 404


async def test_the_storefront_answers_its_paths_with_one_page_that_loads_only_its_own_files() -> None:
    async with browser_http() as http:
        pages = [await http.get(path) for path in ("/", "/products/some-id", "/cart", "/orders")]
        references = REFERENCE.findall(pages[0].text)
        served = [await http.get(reference) for reference in references if reference.startswith("/")]
    assert {page.status_code for page in pages} == {200}
    assert len({page.text for page in pages}) == 1
    assets = [reference for reference in references if reference.startswith("/static/")]
    assert assets == ["/static/storefront/styles.css", "/static/storefront/app.js"]
    assert all(reference.startswith(("/", "#", "data:")) for reference in references), references
    assert {response.status_code for response in served} == {200}


async def test_the_storefront_policy_allows_its_own_origin_only_without_any_inline_code() -> None:
    async with browser_http() as http:
        policy = directives(await http.get("/"))
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == ["'self'"]
    assert "style-src-elem" not in policy
    assert policy["img-src"] == ["'self'", "data:"]  # product placeholders are generated SVGs


async def test_the_storefront_switched_off_serves_neither_the_page_nor_its_files() -> None:
    async with browser_http(storefront=False) as http:
        page = await http.get("/")
        script = await http.get("/static/storefront/app.js")
    assert (page.status_code, script.status_code) == (404, 404)


async def test_every_image_of_the_demo_catalog_is_served_by_the_service_as_an_svg() -> None:
    urls = {image.url for created in products(0, 30) for image in created.images}
    async with browser_http(storefront=False, graphiql=False) as http:
        for url in sorted(urls)[:20]:
            response = await http.get(url)
            assert response.status_code == 200, url
            assert response.headers["content-type"] == "image/svg+xml"
            assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
            assert response.text.startswith("<svg ")
            assert "<script" not in response.text


async def test_a_demo_image_shows_the_products_words_and_differs_per_view() -> None:
    async with browser_http() as http:
        first = await http.get("/demo/images/rustic-oak-sofa-17-1.svg")
        second = await http.get("/demo/images/rustic-oak-sofa-17-2.svg")
    assert ">Rustic Oak Sofa</text>" in first.text
    assert first.text != second.text


async def test_a_demo_image_name_with_anything_but_letters_digits_and_hyphens_is_not_found() -> None:
    async with browser_http() as http:
        for name in ("Rustic", "a--b", "a%3Cscript%3E", "-a", "a" * 201):
            assert (await http.get(f"/demo/images/{name}.svg")).status_code == 404, name
