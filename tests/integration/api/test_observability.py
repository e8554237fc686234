"""What an operator sees of the running API: commands and Elasticsearch requests on /metrics, a request id in the
response and in every log line of the request, one log format per stream, the operation on every access line.
Each test runs on the fast path and on the plain path (see conftest)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator

import pytest

from api.logs import ACCESS_LOGGER, configure_logging
from api.settings import Settings
from tests.integration.api.conftest import Api, open_api, product_input

pytestmark = pytest.mark.elasticsearch

LogLines = Callable[[bool], io.StringIO]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)"
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]) -> Iterator[LogLines]:
    """`log_lines(json)` configures logging as `catalog` does, in that format, onto a buffer it returns; the
    logging configuration is restored afterwards."""
    root, access = logging.getLogger(), logging.getLogger(ACCESS_LOGGER)
    saved = (root.handlers[:], root.level, access.handlers[:], access.level, access.propagate)

    def configure(json_lines: bool) -> io.StringIO:
        buffer = io.StringIO()
        monkeypatch.setattr(sys, "stderr", buffer)
        configure_logging(make_settings(log_json=json_lines, log_level="INFO"))
        return buffer

    yield configure
    root.handlers[:], root.level = saved[0], saved[1]
    access.handlers[:], access.level, access.propagate = saved[2], saved[3], saved[4]


async def test_commands_are_counted_by_mutation_and_outcome_and_timed(api: Api) -> None:
    await api.command("createProduct", product_input("SKU-1"))
    refused = await api.command("createProduct", product_input("SKU-2", price={"amount": "-1", "currency": "EUR"}))
    assert refused["ok"] is False

    text = (await api.http.get("/metrics")).text

    assert metric(text, "catalog_commands_total", command="createProduct", outcome="OK") == 1
    assert metric(text, "catalog_commands_total", command="createProduct", outcome="VALIDATION") == 1
    assert metric(text, "catalog_command_seconds_count", command="createProduct") == 2


async def test_a_command_refused_for_want_of_a_token_is_counted_with_its_code(api: Api) -> None:
    await api.command("createProduct", product_input("SKU-1"), token=None)

    text = (await api.http.get("/metrics")).text

    assert metric(text, "catalog_commands_total", command="createProduct", outcome="UNAUTHENTICATED") == 1


async def test_each_elasticsearch_request_is_timed_once_by_operation(api: Api) -> None:
    created = await api.command("createProduct", product_input("SKU-1"))
    await api.graphql(
        "query($t: String) { searchProducts(consistencyToken: $t) { totalCount } }", {"t": created["consistencyToken"]}
    )
    before = (await api.http.get("/metrics")).text

    await api.graphql("{ searchProducts { totalCount } }")
    await api.graphql("query($id: ID!) { product(id: $id) { sku } }", {"id": created["aggregateId"]})
    after = (await api.http.get("/metrics")).text

    searches = "catalog_elasticsearch_request_seconds_count"
    assert metric(after, searches, operation="search") - metric(before, searches, operation="search") == 1
    assert metric(after, searches, operation="get") - metric(before, searches, operation="get") >= 1
    assert metric(after, searches, operation="bulk") >= 1  # the sync worker's, through the same client


async def test_a_response_carries_a_new_request_id(api: Api) -> None:
    first = await api.post("{ __typename }")
    second = await api.post("{ __typename }")

    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_plain_incoming_request_id_is_kept(api: Api) -> None:
    response = await api.http.get("/healthz", headers={"x-request-id": "lb-7f3a.91:2"})

    assert response.headers["x-request-id"] == "lb-7f3a.91:2"


@pytest.mark.parametrize("sent", ["x" * 65, "two words", "id\tforged=yes", ""])
async def test_an_incoming_request_id_that_is_long_or_not_plain_is_replaced(api: Api, sent: str) -> None:
    response = await api.http.get("/healthz", headers={"x-request-id": sent})

    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


async def test_every_line_logged_while_serving_a_request_carries_its_id(
    make_settings: Callable[..., Settings], log_lines: LogLines
) -> None:
    class BrokenReader:
        async def product(self, id: str) -> None:
            raise RuntimeError("a failure inside the request")

    settings = make_settings()
    swap = lambda built: dataclasses.replace(built, reader=BrokenReader())  # noqa: E731
    async with open_api(settings, swap=swap) as api:
        buffer = log_lines(False)
        response = await api.post('{ product(id: "1") { id } }', token=None)

    request_id = response.headers["x-request-id"]
    lines = [line for line in buffer.getvalue().splitlines() if line and not line.startswith((" ", "Traceback"))]
    failure = [line for line in lines if "event=graphql_unexpected_error" in line]
    access = [line for line in lines if "logger=catalog.access" in line]
    assert failure
    assert access
    assert all(line.endswith(f" request_id={request_id}") for line in failure + access)


async def test_with_json_logs_every_line_is_a_json_object_with_fields(api: Api, log_lines: LogLines) -> None:
    buffer = log_lines(True)

    await api.command("createProduct", product_input("SKU-1"))
    logging.getLogger("sync.retry").warning("event=store_unavailable store=%s error=%r action=%s", "x", "e f", "a b")

    objects = [json.loads(line) for line in buffer.getvalue().splitlines()]
    [access] = [line for line in objects if line["logger"] == ACCESS_LOGGER]
    assert (access["event"], access["method"], access["status"], access["operation"]) == (
        "request",
        "POST",
        200,
        "createProduct",
    )
    assert isinstance(access["ms"], float)
    assert re.fullmatch(r"[0-9a-f]{16}", access["request_id"])
    [outage] = [line for line in objects if line["logger"] == "sync.retry"]
    assert (outage["event"], outage["store"], outage["error"], outage["action"]) == (
        "store_unavailable",
        "x",
        "e f",
        "a b",
    )


async def test_without_json_logs_access_lines_are_key_value_like_every_other_line(
    api: Api, log_lines: LogLines
) -> None:
    buffer = log_lines(False)

    await api.post("query Probe { __typename }")

    [access] = [line for line in buffer.getvalue().splitlines() if "logger=catalog.access" in line]
    assert not access.startswith("{")
    assert " level=INFO logger=catalog.access event=request method=POST path=/graphql status=200 ms=" in access
    assert " operation=Probe " in access


@pytest.mark.parametrize(
    ("query", "operation"),
    [
        ("query Detail { __typename }", "Detail"),
        ('{ searchProducts(query: "oak") { totalCount } suggestProducts(prefix: "o") { sku } }', "searchProducts"),
        ('mutation { createProduct(input: {sku: "S", name: "N"}) { ok } }', "createProduct"),
        ("{ not parsable", None),
    ],
)
async def test_every_access_line_names_the_operation_or_else_its_first_field(
    api: Api, caplog: pytest.LogCaptureFixture, query: str, operation: str | None
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await api.post(query)

    [record] = [record for record in caplog.records if record.name == ACCESS_LOGGER]
    assert record.fields["operation"] == operation  # type: ignore[attr-defined]


async def test_access_lines_of_get_and_persisted_queries_name_the_operation_too(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    query = "{ searchProducts(first: 1) { totalCount } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})

    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await api.http.get("/graphql", params={"query": query, "extensions": persisted})  # sent with its hash
        by_hash = await api.http.get("/graphql", params={"extensions": persisted})  # the hash alone

    assert by_hash.status_code == 200, by_hash.text
    records = [record for record in caplog.records if record.name == ACCESS_LOGGER]
    assert [(record.fields["method"], record.fields["operation"]) for record in records] == [  # type: ignore[attr-defined]
        ("GET", "searchProducts"),
        ("GET", "searchProducts"),
    ]
