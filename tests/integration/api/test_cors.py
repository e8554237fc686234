"""CORS for browser apps on other origins, on both paths (the fast path's POST /graphql included): preflights
name the allowed methods and headers, never credentials; an origin not configured gets no CORS header at all
(issue 15, item 1). A real browser's view of it: tests/browser/test_cross_origin.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from api.settings import Settings
from tests.integration.api.conftest import Api, open_api

pytestmark = pytest.mark.elasticsearch

APP = "http://localhost:5173"
QUERY = {"query": "{ searchProducts(first: 1) { totalCount } }"}


@pytest.fixture
async def cors_api(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    async with open_api(make_settings(cors_origins=f"{APP},http://127.0.0.1:*")) as opened:
        yield opened


def preflight(origin: str, method: str = "POST", headers: str = "authorization,content-type") -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": method, "access-control-request-headers": headers}


async def test_a_preflight_from_an_allowed_origin_names_methods_and_headers_and_no_credentials(cors_api: Api) -> None:
    answer = await cors_api.http.options("/graphql", headers=preflight(APP))
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP
    assert set(answer.headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert {"authorization", "content-type"} <= set(answer.headers["access-control-allow-headers"].lower().split(", "))
    assert "access-control-allow-credentials" not in answer.headers
    assert "Origin" in answer.headers["vary"]


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_an_allowed_origin_may_read_the_answer(cors_api: Api, method: str) -> None:
    if method == "POST":
        answer = await cors_api.http.post("/graphql", json=QUERY, headers={"origin": APP})
    else:
        answer = await cors_api.http.get("/graphql", params=QUERY, headers={"origin": APP})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP
    assert "Origin" in answer.headers["vary"]


async def test_any_port_of_a_host_given_as_host_star(cors_api: Api) -> None:
    for origin in ("http://127.0.0.1:3000", "http://127.0.0.1:8081"):
        answer = await cors_api.http.options("/graphql", headers=preflight(origin))
        assert answer.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:5174", "https://localhost:5173"])
async def test_another_origin_gets_no_cors_header(cors_api: Api, origin: str) -> None:
    refused = await cors_api.http.options("/graphql", headers=preflight(origin))
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    answer = await cors_api.http.post("/graphql", json=QUERY, headers={"origin": origin})
    assert "access-control-allow-origin" not in answer.headers


async def test_a_preflight_for_a_header_not_allowed_is_refused(cors_api: Api) -> None:
    assert (await cors_api.http.options("/graphql", headers=preflight(APP, headers="x-secret"))).status_code == 400


async def test_without_configured_origins_no_answer_carries_cors_headers(api: Api) -> None:
    answers: list[httpx.Response] = [
        await api.http.options("/graphql", headers=preflight(APP)),
        await api.http.post("/graphql", json=QUERY, headers={"origin": APP}),
    ]
    assert all("access-control-allow-origin" not in answer.headers for answer in answers)


async def test_a_page_on_an_allowed_origin_may_send_its_request_id_and_read_the_answers(cors_api: Api) -> None:
    allowed = await cors_api.http.options("/graphql", headers=preflight(APP, headers="content-type,x-request-id"))
    assert allowed.status_code == 200
    answer = await cors_api.http.post("/graphql", json=QUERY, headers={"origin": APP, "x-request-id": "page-7"})
    assert answer.headers["x-request-id"] == "page-7"
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower().split(", ")
