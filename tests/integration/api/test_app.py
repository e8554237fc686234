"""The HTTP surface besides GraphQL: health, readiness, metrics, GraphiQL, and the access log."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch
from starlette.types import Message, Scope

from api.bootstrap import Services
from api.logs import ACCESS_LOGGER
from api.settings import Settings
from domain.storage.engine import create_async
from read_index.indices import ensure_indices, swap_alias
from tests.integration.api.conftest import Api, open_api, product_input

pytestmark = pytest.mark.elasticsearch


async def test_healthz_says_the_process_is_up(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_says_the_database_and_elasticsearch_answer(api: Api) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": True, "elasticsearch": True}


async def test_readyz_is_503_when_the_stores_do_not_answer(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    dead_search = AsyncElasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1)
    dead_database = create_async(f"sqlite:///{tmp_path}/missing/dir/catalog.db")

    def swap(built: Services) -> Services:
        return dataclasses.replace(built, elasticsearch=dead_search, engine=dead_database)

    try:
        async with open_api(make_settings(), swap=swap) as api:
            response = await api.http.get("/readyz")
    finally:
        await dead_search.close()
        await dead_database.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "database": False, "elasticsearch": False}


async def test_metrics_expose_http_and_sync_worker_figures(api: Api) -> None:
    await api.http.get("/healthz")
    await api.command("createProduct", product_input())
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'catalog_http_requests_total{route="/graphql",status="200"}' in text
    assert "catalog_http_request_seconds_bucket" in text
    assert "catalog_sync_events_total" in text


async def test_an_index_of_an_older_mapping_version_is_reported_as_reindex_due(
    *,
    make_settings: Callable[..., Settings],
    index_prefix: str,
    es_client: AsyncElasticsearch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await ensure_indices(es_client, index_prefix)
    older = f"{index_prefix}-orders-v0-initial"
    await es_client.indices.create(index=older)
    await swap_alias(es_client, index_prefix, "orders", older)

    with caplog.at_level(logging.WARNING, logger="api.elasticsearch_startup"):
        async with open_api(make_settings()) as api:
            text = (await api.http.get("/metrics")).text
    assert 'catalog_reindex_due{model="orders"} 1.0' in text
    assert 'catalog_reindex_due{model="products"} 0.0' in text
    [line] = [record.getMessage() for record in caplog.records if "event=reindex_due" in record.getMessage()]
    assert "models=orders " in line


async def test_current_indices_are_not_reported_as_reindex_due(api: Api) -> None:
    text = (await api.http.get("/metrics")).text
    assert 'catalog_reindex_due{model="orders"} 0.0' in text
    assert 'catalog_reindex_due{model="products"} 0.0' in text


async def test_graphiql_is_served_to_browsers(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    other = await api.http.get("/graphql", headers={"accept": "application/json"})
    assert other.status_code == 400  # a GET without a query (GET runs queries: test_get_and_persisted_queries)


async def test_each_request_is_one_access_line_without_the_token(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    token = api.token()
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await api.post("query Probe { __typename }", token=token)
    records = [record for record in caplog.records if record.name == ACCESS_LOGGER]
    assert len(records) == 1
    line = records[0].fields  # type: ignore[attr-defined]
    assert (line["method"], line["path"], line["status"], line["operation"]) == ("POST", "/graphql", 200, "Probe")
    assert line["ms"] >= 0
    assert token not in caplog.text + str(line)


async def test_a_client_that_leaves_mid_body_is_counted_as_a_client_disconnect_not_a_server_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    arriving: list[Message] = [
        {"type": "http.request", "body": b'{"query": "{ __type', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        message: Message = arriving.pop(0)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await api.app(http_scope("POST", "/graphql", content_length=100), receive, send)
    assert sent == []  # nobody is left to answer
    lines = [record.fields for record in caplog.records if record.name == ACCESS_LOGGER]  # type: ignore[attr-defined]
    assert [line["status"] for line in lines] == [499]
    metrics = (await api.http.get("/metrics")).text
    assert 'catalog_http_requests_total{route="/graphql",status="499"} 1.0' in metrics
    assert 'status="500"' not in metrics


def http_scope(method: str, path: str, *, content_length: int) -> Scope:
    """An ASGI scope as uvicorn makes it for a request with a JSON body of `content_length` bytes."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(content_length).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("catalog.test", 80),
        "state": {},
    }
