"""The lean Elasticsearch connection against elasticsearch-py: the same answers, or the same exceptions, for
every kind of reply: success, not found, error statuses, a dropped connection, a timeout, a malformed response.

The real test node gives the ordinary replies; a small HTTP server on loopback misbehaves on purpose for the
rest (it answers as an Elasticsearch node does, product header included, where it answers at all).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from api.fastpath.lean_elasticsearch import LeanConnections, LeanTransport
from read_index.indices import ensure_indices
from read_index.transport import ClientTransport, ReadTransport
from tests.integration.read_index.states import index_states, product_state

pytestmark = pytest.mark.elasticsearch

TIMEOUT = 0.5
Request = Callable[[ReadTransport], Awaitable[Any]]


async def _outcome(transport: ReadTransport, request: Request) -> tuple[str, Any]:
    """What a request gives: its value, or the type (and HTTP status) of what it raised."""
    try:
        return "answer", await request(transport)
    except Exception as error:
        status = getattr(getattr(error, "meta", None), "status", None)
        return "raised", (type(error), status)


async def _both(url: str, request: Request, **client_options: Any) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """The outcome through elasticsearch-py alone and through the lean connections (which fall back to it)."""
    client = AsyncElasticsearch(url, request_timeout=TIMEOUT, **client_options)
    lean = LeanConnections.for_url(url, timeout=TIMEOUT, limit=2)
    assert lean is not None
    try:
        official = await _outcome(ClientTransport(client), request)
        fast = await _outcome(LeanTransport(lean, ClientTransport(client)), request)
    finally:
        await lean.close()
        await client.close()
    return official, fast


def _search(target: str) -> Request:
    return lambda transport: transport.search(target, {"query": {"match_all": {}}})


def _get(target: str) -> Request:
    return lambda transport: transport.get(target)


@pytest.fixture
async def seeded(es_client: AsyncElasticsearch, index_prefix: str) -> str:
    """The id of one indexed product (of six)."""
    await ensure_indices(es_client, index_prefix)
    states = [product_state(f"Walnut lamp {i}", sku=f"DIFF-{i}") for i in range(6)]
    await index_states(es_client, index_prefix, products=states)
    return str(states[0]["id"])


@pytest.mark.parametrize(
    ("name", "request_of"),
    [
        ("search", lambda prefix, _id: _search(f"/{prefix}-products/_search?filter_path=hits.hits._source")),
        ("get", lambda prefix, id: _get(f"/{prefix}-products/_doc/{id}")),
        ("get-missing-document", lambda prefix, _id: _get(f"/{prefix}-products/_doc/no-such-id")),
        ("get-missing-index", lambda _prefix, id: _get(f"/no-such-index-of-this-test/_doc/{id}")),
        ("search-missing-index", lambda _prefix, _id: _search("/no-such-index-of-this-test/_search")),
        (
            "search-bad-request",
            lambda prefix, _id: lambda t: t.search(f"/{prefix}-products/_search", {"query": {"no_such_query": {}}}),
        ),
    ],
)
async def test_the_real_node_answers_alike(
    elasticsearch_url: str, index_prefix: str, seeded: str, name: str, request_of: Callable[[str, str], Request]
) -> None:
    official, fast = await _both(elasticsearch_url, request_of(index_prefix, seeded))
    assert fast == official
    if name in ("search", "get"):
        assert official[0] == "answer"


Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
PRODUCT = b"x-elastic-product: Elasticsearch\r\n"


def _answer(status: bytes, body: bytes) -> Reply:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = b"HTTP/1.1 %s\r\ncontent-type: application/json\r\n%scontent-length: %d\r\n\r\n"
        writer.write(head % (status, PRODUCT, len(body)) + body)
        await writer.drain()

    return reply


async def _drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(TIMEOUT * 4)


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"garbage\r\n\r\n")
    await writer.drain()


ERROR = b'{"error":{"type":"some_exception","reason":"on purpose"},"status":%d}'
MISBEHAVIOURS: dict[str, Reply] = {
    "ok": _answer(b"200 OK", b'{"hits":{"hits":[]}}'),
    "not-found": _answer(b"404 Not Found", b'{"_index":"x","_id":"1","found":false}'),
    "400": _answer(b"400 Bad Request", ERROR % 400),
    "429": _answer(b"429 Too Many Requests", ERROR % 429),
    "500": _answer(b"500 Internal Server Error", ERROR % 500),
    "503": _answer(b"503 Service Unavailable", ERROR % 503),
    "malformed-json": _answer(b"200 OK", b'{"hits": '),
    "not-http": _garbage,
    "dropped": _drop,
    "timeout": _stall,
}


@pytest.mark.parametrize("misbehaviour", sorted(MISBEHAVIOURS))
@pytest.mark.parametrize("method", ["search", "get"])
async def test_a_misbehaving_peer_gets_the_same_answers_or_exceptions(misbehaviour: str, method: str) -> None:
    reply = MISBEHAVIOURS[misbehaviour]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            sizes = [
                int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
            ]
            await reader.readexactly(sizes[0] if sizes else 0)
            await reply(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = _search("/x/_search") if method == "search" else _get("/x/_doc/1")
    try:
        official, fast = await _both(f"http://127.0.0.1:{port}", request, max_retries=1, retry_on_timeout=True)
    finally:
        server.close()
        await server.wait_closed()
    assert fast == official
