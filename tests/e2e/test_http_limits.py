"""The HTTP edge as the open internet sees it: raw sockets against a real `catalog serve`, with the fast path and
without. An oversized head or too many header fields get 431, a head or body that trickles in gets 408, idle
connections are closed, a request beyond the connection limit gets 503, and a client that leaves mid-body is
counted as a client disconnect (499), never as a server error."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, catalog_env, running_server
from tests.e2e.raw_http import PATIENCE_SECONDS, answered, closed_without_a_word, connect, response

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]

SHORT_TIMEOUTS = {
    "CATALOG_HTTP_HEADER_TIMEOUT_SECONDS": "1",
    "CATALOG_HTTP_BODY_TIMEOUT_SECONDS": "1",
    "CATALOG_HTTP_KEEP_ALIVE_SECONDS": "1",
}
MAX_CONNECTIONS = 3


def serve_with(request: pytest.FixtureRequest, elasticsearch_url: str, tmp: Path, **limits: str) -> Iterator[Server]:
    env = catalog_env(tmp, elasticsearch_url, f"e2e-{uuid.uuid4().hex[:12]}", fast_path=request.param)
    env["CATALOG_LOG_JSON"] = "true"  # access lines read back as JSON objects (`access_lines`)
    yield from running_server(["serve"], {**env, **limits}, tmp, elasticsearch_url)


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "plain-path"])
def guarded(
    request: pytest.FixtureRequest, elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Timeouts of a second, so that the slow clients below are refused quickly."""
    yield from serve_with(request, elasticsearch_url, tmp_path_factory.mktemp("guarded"), **SHORT_TIMEOUTS)


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "plain-path"])
def crowded(
    request: pytest.FixtureRequest, elasticsearch_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Room for `MAX_CONNECTIONS` connections, kept alive long enough to fill it."""
    limits = {"CATALOG_HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS), "CATALOG_HTTP_KEEP_ALIVE_SECONDS": "60"}
    yield from serve_with(request, elasticsearch_url, tmp_path_factory.mktemp("crowded"), **limits)


def trickle(connection: socket.socket, data: bytes, pause: float = 0.1) -> None:
    """Sends `data` a byte at a time until the server answers."""
    for byte in data:
        if answered(connection):
            return
        connection.sendall(bytes([byte]))
        time.sleep(pause)


def access_lines(server: Server, status: int) -> list[dict[str, object]]:
    lines = (json.loads(line) for line in server.log.read_text().splitlines() if line.startswith('{"ts"'))
    return [line for line in lines if line["logger"] == "catalog.access" and line["status"] == status]


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not check():
        assert time.monotonic() < deadline, "not within the patience of this test"
        time.sleep(0.1)


def test_a_64_mb_header_line_is_refused_with_431_once_the_head_outgrows_its_limit(guarded: Server) -> None:
    with closing(connect(guarded)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nhost: catalog\r\nx-huge: ")
        line, sent = b"a" * 65536, 0
        while sent < 64 << 20 and not answered(connection):
            connection.sendall(line)
            sent += len(line)
        status, headers, body = response(connection)
    assert (status, body) == (431, b"the request head is too large")
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"


def test_a_thousand_header_fields_are_refused_with_431(guarded: Server) -> None:
    fields = b"".join(b"x-field-%d: v\r\n" % number for number in range(1000))
    with closing(connect(guarded)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nhost: catalog\r\n" + fields + b"\r\n")
        status, _, body = response(connection)
    assert (status, body) == (431, b"the request has too many header fields")


def test_a_head_that_trickles_in_is_refused_with_408(guarded: Server) -> None:
    with closing(connect(guarded)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        trickle(connection, b"host: catalog\r\nx-slow: " + b"z" * 300 + b"\r\n\r\n")
        status, _, body = response(connection)
        assert (status, body) == (408, b"the request head took too long")
        assert closed_without_a_word(connection)


def test_a_body_that_trickles_in_is_refused_with_408_and_logged_as_such(guarded: Server) -> None:
    query = b'{"query": "{ __typename }"}'
    with closing(connect(guarded)) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nhost: catalog\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % (len(query) + 300)
        )
        trickle(connection, query + b" " * 300)
        status, _, body = response(connection)
    assert (status, body) == (408, b"the request body took too long")
    eventually(lambda: [line["path"] for line in access_lines(guarded, 408)] == ["/graphql"])


def test_an_idle_keep_alive_connection_is_closed(guarded: Server) -> None:
    with closing(connect(guarded)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nhost: catalog\r\n\r\n")
        assert response(connection)[0] == 200
        assert closed_without_a_word(connection)


def test_a_connection_that_never_sends_a_request_is_closed(guarded: Server) -> None:
    with closing(connect(guarded)) as connection:
        assert closed_without_a_word(connection)


def test_a_client_that_leaves_mid_body_is_a_499_never_a_500(guarded: Server) -> None:
    with closing(connect(guarded)) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nhost: catalog\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"query": "{ __typ'
        )
        time.sleep(0.2)  # the server has started reading the body
    counted = 'catalog_http_requests_total{route="/graphql",status="499"} 1.0'
    eventually(lambda: counted in httpx.get(f"{guarded.url}/metrics").text)
    assert 'status="500"' not in httpx.get(f"{guarded.url}/metrics").text
    assert [line["path"] for line in access_lines(guarded, 499)] == ["/graphql"]
    assert access_lines(guarded, 500) == []


def test_a_request_beyond_the_connection_limit_is_answered_503_until_one_closes(crowded: Server) -> None:
    request = b"GET /healthz HTTP/1.1\r\nhost: catalog\r\n\r\n"
    held = [connect(crowded) for _ in range(MAX_CONNECTIONS)]
    try:
        for connection in held:
            connection.sendall(request)
            assert response(connection)[0] == 200
        with closing(connect(crowded)) as extra:
            extra.sendall(request)
            status, headers, _ = response(extra)
            assert (status, headers["connection"]) == (503, "close")
        held.pop().close()

        def one_more_is_served() -> bool:
            with closing(connect(crowded)) as another:
                another.sendall(request)
                return response(another)[0] == 200

        eventually(one_more_is_served)
    finally:
        for connection in held:
            connection.close()
