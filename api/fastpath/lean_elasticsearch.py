"""Lean keep-alive connections for the hot reads, and the `ReadTransport` that uses them.

With `LeanConnections` (plain ``http://`` nodes) a search or a GET by id is written as one pre-built HTTP/1.1
request on a kept-alive socket and its answer read with a small parser (lean_http.py), a fraction of the CPU of
elasticsearch-py's generic ``perform_request`` (docs/performance.md, finding 4). Anything but a plain answer (a
status other than 200, a refused or dropped connection, a timeout, a malformed response) is sent again through
elasticsearch-py (`ClientTransport`), so errors, retries and their exceptions stay exactly the official client's.

Several nodes of one cluster (CATALOG_ELASTICSEARCH_URL with commas) are taken in turn, as elasticsearch-py takes
them; a node that failed a request is skipped for a while (1 s, doubling up to 30 s while it keeps failing, as
elasticsearch-py's node pool does), so losing a node costs its requests in flight one retry through the official
client, and the next ones nothing. docs/performance.md measured the choice against a 3-node cluster (finding 21).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

import orjson

from api.fastpath.lean_http import HttpConnection
from read_index.transport import ClientTransport

DEAD_NODE_FIRST_SECONDS = 1.0
DEAD_NODE_MAX_SECONDS = 30.0

Observe = Callable[[str, str, float], None] | None
"""Told the method, target and seconds of each answered request (`api.elasticsearch_metrics`)."""


class LeanTransport:
    """`ReadTransport` over `lean` connections, falling back to `official` on any failure there."""

    def __init__(self, lean: LeanConnections, official: ClientTransport) -> None:
        self._lean = lean
        self._official = official

    async def search(self, target: str, body: Mapping[str, Any]) -> Any:
        payload = orjson.dumps(body)
        answer = await self._lean.request(b"POST", target, payload)
        if answer is not None and answer[0] == 200:
            with suppress(orjson.JSONDecodeError):  # not JSON: elasticsearch-py raises its own error for it
                return orjson.loads(answer[1])
        return await self._official.post(target, payload)

    async def get(self, target: str) -> Any | None:
        answer = await self._lean.request(b"GET", target, None)
        if answer is not None and answer[0] in (200, 404):
            with suppress(orjson.JSONDecodeError):  # not JSON: elasticsearch-py raises its own error for it
                document = orjson.loads(answer[1])
                if answer[0] == 200:
                    return document
                if isinstance(document, dict) and document.get("found") is False:
                    return None
        return await self._official.get(target)


class LeanConnections:
    """Lean connections to every node of one cluster, one node after the other, skipping a node that failed until
    its time out is over; `request` answers None when no node is left to ask (the caller then asks the official
    client, which retries on its own)."""

    def __init__(self, nodes: Sequence[LeanNode], observe: Observe = None) -> None:
        self._nodes = list(nodes)
        self._turns = itertools.cycle(range(len(self._nodes)))
        self._observe = observe

    @classmethod
    def for_url(cls, url: str, *, timeout: float, limit: int, observe: Observe = None) -> LeanConnections | None:
        """For one or several comma-separated ``http://`` nodes (credentials in the URL allowed), `limit`
        requests in flight to each; None if any is something else (TLS, a path prefix), which the official
        client keeps serving alone."""
        nodes = [LeanNode.for_url(part.strip(), timeout=timeout, limit=limit) for part in url.split(",")]
        usable = [node for node in nodes if node is not None]
        return cls(usable, observe) if usable and len(usable) == len(nodes) else None

    async def request(self, method: bytes, target: str, body: bytes | None) -> tuple[int, bytes] | None:
        node = self._next_alive()
        if node is None:
            return None
        started = time.perf_counter()
        answer = await node.request(method, target, body)
        if answer is not None and self._observe is not None:  # unanswered: the client sends it, and times it
            self._observe(method.decode("ascii"), target, time.perf_counter() - started)
        return answer

    def _next_alive(self) -> LeanNode | None:
        now = time.monotonic()
        for _ in self._nodes:
            node = self._nodes[next(self._turns)]
            if node.alive(now):
                return node
        return None

    async def close(self) -> None:
        for node in self._nodes:
            await node.close()


class LeanNode:
    """Kept-alive HTTP/1.1 connections to one plain-HTTP node, for requests whose answers the caller checks.

    `request` answers ``(status, body)``, or None when the request could not be completed (connect refused,
    connection dropped, timeout, a response this parser does not take): the caller then sends it the official
    way, and the node counts as dead until `alive` says otherwise. At most `limit` requests are in flight; idle
    connections are reused, newest first.
    """

    def __init__(self, host: str, port: int, *, authorization: str | None, timeout: float, limit: int) -> None:
        self._address = (host, port)
        self._timeout = timeout
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[HttpConnection] = []
        self._closed = False
        self._dead_until = 0.0
        self._dead_seconds = 0.0  # the time out of the latest failure; 0 while the node answers
        fixed = [f"host: {host}:{port}", "accept: application/json", "content-type: application/json"]
        if authorization is not None:
            fixed.append(f"authorization: {authorization}")
        self._headers = ("\r\n".join(fixed) + "\r\n").encode("latin-1")

    @classmethod
    def for_url(cls, url: str, *, timeout: float, limit: int) -> LeanNode | None:
        """For a plain ``http://`` node URL without a path; None for anything else."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
            return None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(host, parts.port or 9200, authorization=_basic(parts), timeout=timeout, limit=limit)

    def alive(self, now: float) -> bool:
        """Whether to send it requests: it has not failed, or its time out is over (then one request tries it)."""
        return now >= self._dead_until

    async def request(self, method: bytes, target: str, body: bytes | None) -> tuple[int, bytes] | None:
        if self._closed:
            return None
        head = b"%s %s HTTP/1.1\r\n%scontent-length: %d\r\n\r\n" % (
            method,
            target.encode("ascii"),
            self._headers,
            len(body) if body is not None else 0,
        )
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            if connection is None:
                self._failed()
                return None
            try:
                answer = await connection.exchange(head + body if body else head)
            except BaseException:  # cancelled mid-answer: the connection's state is unknown
                connection.close()
                raise
            if answer is not None and connection.reusable and not self._closed:
                self._idle.append(connection)
            else:
                connection.close()
        if answer is None:
            self._failed()
        else:
            self._dead_seconds = 0.0
        return answer

    def _failed(self) -> None:
        """Skip the node for a while: 1 s after its first failure, twice as long each time it fails again once
        its time out is over (requests that were in flight when it failed do not count again)."""
        now = time.monotonic()
        if now < self._dead_until:
            return
        self._dead_seconds = min(max(DEAD_NODE_FIRST_SECONDS, self._dead_seconds * 2), DEAD_NODE_MAX_SECONDS)
        self._dead_until = now + self._dead_seconds
        for connection in self._idle:  # kept by a node that failed: likely as dead as it is
            connection.close()
        self._idle.clear()

    async def _connect(self) -> HttpConnection | None:
        loop = asyncio.get_running_loop()
        host, port = self._address
        try:
            async with asyncio.timeout(self._timeout):
                _, connection = await loop.create_connection(
                    lambda: HttpConnection(self._timeout), host.strip("[]"), port
                )
        except (OSError, TimeoutError):
            return None
        return connection

    async def close(self) -> None:
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def _basic(parts: SplitResult) -> str | None:
    """The Authorization header for credentials in the URL, if any."""
    if parts.username is None:
        return None
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")
