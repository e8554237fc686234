"""The lean read connections answer exactly what the official client answers, and fall back to it on any trouble."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from elasticsearch import AsyncElasticsearch, BadRequestError

from api.fastpath import lean_elasticsearch
from api.fastpath.lean_elasticsearch import LeanConnections, LeanNode, LeanTransport
from domain.model.snapshots import ProductSnapshot
from read_index.indices import ensure_indices
from read_index.points_in_time import CursorOptions, PointsInTime
from read_index.search import ProductFilter, SearchRequest
from read_index.transport import ClientTransport
from tests.integration.read_index.states import index_states, product_state
from tests.support.readers import catalog_reader

pytestmark = pytest.mark.elasticsearch

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def lean(elasticsearch_url: str) -> AsyncIterator[LeanConnections]:
    connections = LeanConnections.for_url(elasticsearch_url, timeout=10, limit=4)
    assert connections is not None
    yield connections
    await connections.close()


async def _seeded(client: AsyncElasticsearch, prefix: str) -> list[ProductSnapshot]:
    await ensure_indices(client, prefix)
    brands = ("Acme", "Lumen")
    states = [product_state(f"Walnut lamp {i}", sku=f"LEAN-{i}", brand=brands[i % 2]) for i in range(6)]
    await index_states(client, prefix, products=states)
    return states


async def test_lean_reads_answer_what_the_official_client_answers(
    es_client: AsyncElasticsearch, index_prefix: str, lean: LeanConnections
) -> None:
    states = await _seeded(es_client, index_prefix)
    # Both read through the same point in time (one per read model, shared as long as the keep-alive).
    shared = PointsInTime(es_client, index_prefix, CursorOptions(keep_alive_seconds=600, max_open=2))
    official = catalog_reader(es_client, index_prefix, points_in_time=shared)
    fast = catalog_reader(es_client, index_prefix, LeanTransport(lean, ClientTransport(es_client)), shared)
    request = SearchRequest(query="walnut lamp", filter=ProductFilter(brands=["Acme"]), first=2)

    for reader in (official, fast):
        assert await reader.product("no-such-product") is None
    assert await fast.product(str(states[0]["id"])) == await official.product(str(states[0]["id"]))
    assert await fast.search_products(request) == await official.search_products(request)
    assert await fast.product_by_sku("LEAN-3") == await official.product_by_sku("LEAN-3")
    assert await fast.suggest_products("waln") == await official.suggest_products("waln")


async def test_an_error_answer_is_raised_as_the_official_client_raises_it(
    es_client: AsyncElasticsearch, index_prefix: str, lean: LeanConnections
) -> None:
    await _seeded(es_client, index_prefix)
    reads = LeanTransport(lean, ClientTransport(es_client))

    with pytest.raises(BadRequestError):
        await reads.search(f"/{index_prefix}-products/_search", {"query": {"no_such_query": {}}})


async def _serve(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
    )
    return head + await reader.readexactly(length)


async def test_chunked_and_sized_answers_are_read_on_one_kept_alive_connection() -> None:
    connections_seen = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections_seen
        connections_seen += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(b'5\r\n{"a":\r\n')
        await writer.drain()
        writer.write(b"3\r\n 1}\r\n0\r\n\r\n")
        await _read_request(reader)
        writer.write(b'HTTP/1.1 404 Not Found\r\ncontent-length: 15\r\n\r\n{"found":false}')
        await writer.drain()
        await reader.read()

    server, port = await _serve(handler)
    lean = LeanNode("127.0.0.1", port, authorization=None, timeout=5, limit=2)
    try:
        assert await lean.request(b"POST", "/x/_search", b"{}") == (200, b'{"a": 1}')
        assert await lean.request(b"GET", "/x/_doc/1", None) == (404, b'{"found":false}')
        assert connections_seen == 1
    finally:
        await lean.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # closed without answering
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{}",  # neither length nor chunks
        b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 2\r\n\r\n{}",
        b"garbage\r\n\r\n",
    ],
)
async def test_an_answer_it_cannot_read_is_no_answer(answer: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server, port = await _serve(handler)
    lean = LeanNode("127.0.0.1", port, authorization=None, timeout=5, limit=2)
    try:
        assert await lean.request(b"GET", "/x/_doc/1", None) is None
    finally:
        await lean.close()
        server.close()
        await server.wait_closed()


async def test_a_slow_answer_times_out_as_no_answer() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(2)

    server, port = await _serve(handler)
    lean = LeanNode("127.0.0.1", port, authorization=None, timeout=0.2, limit=2)
    try:
        assert await lean.request(b"GET", "/x/_doc/1", None) is None
    finally:
        await lean.close()
        server.close()
        await server.wait_closed()


async def test_an_unreachable_node_falls_back_to_the_official_client(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    states = await _seeded(es_client, index_prefix)
    server, port = await _serve(lambda reader, writer: asyncio.sleep(0))
    server.close()
    await server.wait_closed()  # nothing listens on `port` any more
    unreachable = LeanConnections([LeanNode("127.0.0.1", port, authorization=None, timeout=1, limit=2)])

    reader = catalog_reader(es_client, index_prefix, LeanTransport(unreachable, ClientTransport(es_client)))

    stored = await reader.product(str(states[1]["id"]))
    assert stored is not None
    assert stored["sku"] == "LEAN-1"


def test_plain_http_nodes_get_lean_connections_and_anything_else_is_left_to_the_official_client() -> None:
    assert LeanConnections.for_url("http://127.0.0.1:9200", timeout=1, limit=1) is not None
    assert LeanConnections.for_url("http://user:secret@es.internal", timeout=1, limit=1) is not None
    assert LeanConnections.for_url("http://es-1:9200, http://es-2:9200", timeout=1, limit=1) is not None
    assert LeanConnections.for_url("https://es.internal:9200", timeout=1, limit=1) is None
    assert LeanConnections.for_url("http://es.internal:9200/prefix", timeout=1, limit=1) is None
    assert LeanConnections.for_url("http://es-1:9200,https://es-2:9200", timeout=1, limit=1) is None


def _answering(name: bytes) -> Handler:
    """A node that answers every request with its name, on one kept-alive connection."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await _read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(name), name))
                await writer.drain()

    return handler


@contextlib.asynccontextmanager
async def _nodes(*handlers: Handler) -> AsyncIterator[LeanConnections]:
    servers = [await _serve(handler) for handler in handlers]
    lean = LeanConnections([LeanNode("127.0.0.1", port, authorization=None, timeout=5, limit=2) for _, port in servers])
    try:
        yield lean
    finally:
        await lean.close()
        for server, _ in servers:
            server.close()
            await server.wait_closed()


async def test_several_nodes_are_asked_in_turn() -> None:
    async with _nodes(_answering(b"a"), _answering(b"b")) as lean:
        answers = [await lean.request(b"GET", "/x/_doc/1", None) for _ in range(4)]

    assert [body for _, body in filter(None, answers)] == [b"a", b"b", b"a", b"b"]


async def test_a_node_that_failed_is_skipped_while_the_others_answer() -> None:
    accepted = 0

    async def dead(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        writer.close()

    async with _nodes(dead, _answering(b"b")) as lean:
        answers = [await lean.request(b"GET", "/x/_doc/1", None) for _ in range(6)]

    assert answers[0] is None  # the caller sends this one through the official client
    assert answers[1:] == [(200, b"b")] * 5
    assert accepted == 1


async def test_a_node_that_failed_is_tried_again_once_its_time_out_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lean_elasticsearch, "DEAD_NODE_FIRST_SECONDS", 0.05)
    calls = 0

    async def recovering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            writer.close()  # down the first time
            return
        await _answering(b"a")(reader, writer)

    async with _nodes(recovering, _answering(b"b")) as lean:
        assert await lean.request(b"GET", "/x/_doc/1", None) is None
        await asyncio.sleep(0.1)
        answers = [await lean.request(b"GET", "/x/_doc/1", None) for _ in range(2)]

    assert sorted(body for _, body in filter(None, answers)) == [b"a", b"b"]
