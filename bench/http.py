"""A minimal HTTP/1.1 keep-alive client for GraphQL load, so the load generator costs little CPU.

Against a trivial starlette endpoint on loopback, httpx's AsyncClient spent about 1.3 ms of CPU per request
in the client and this one about 0.14 ms (docs/performance.md); on a 2-core machine the load generator's CPU
comes out of the server's share. This client sends a pre-built request and reads a ``Content-Length`` (or
chunked) response, on connections kept open, one per concurrent worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson


class HttpError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes) -> Response:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(head + body)
        status_line = await self._reader.readline()
        if not status_line:
            raise HttpError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = -1, False, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        payload = await self._read_chunked() if chunked else await self._reader.readexactly(max(length, 0))
        if close:
            await self.close()
        return Response(status, payload)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self._reader.readline()
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readline()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with suppress(OSError):
                await self._writer.wait_closed()
        self._writer = self._reader = None


class GraphQLClient:
    """POSTs GraphQL documents to ``/graphql`` over a pool of keep-alive connections."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        host_port = base_url.removeprefix("http://").rstrip("/")
        host, _, port = host_port.partition(":")
        self._host, self._port = host, int(port or 80)
        self._token = token
        self._idle: list[Connection] = []

    def _head(self, body: bytes) -> bytes:
        lines = [
            b"POST /graphql HTTP/1.1",
            f"Host: {self._host}:{self._port}".encode(),
            b"Content-Type: application/json",
            b"Accept: application/json",
            f"Content-Length: {len(body)}".encode(),
        ]
        if self._token:
            lines.append(f"Authorization: Bearer {self._token}".encode())
        return b"\r\n".join(lines) + b"\r\n\r\n"

    @staticmethod
    def body(query: str, variables: Mapping[str, Any] | None = None) -> bytes:
        return orjson.dumps({"query": query, "variables": dict(variables or {})})

    async def post(self, body: bytes) -> Response:
        reused = bool(self._idle)
        connection = self._idle.pop() if reused else Connection(self._host, self._port)
        try:
            response = await connection.request(self._head(body), body)
        except (HttpError, ConnectionError, asyncio.IncompleteReadError):
            await connection.close()
            if not reused:
                raise
            # The server closed a kept-alive connection while it was idle (uvicorn does after 5 s): once more.
            response = await connection.request(self._head(body), body)
        except BaseException:
            await connection.close()
            raise
        self._idle.append(connection)
        return response

    async def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Runs one document and returns its ``data``; raises on HTTP or GraphQL errors."""
        response = await self.post(self.body(query, variables))
        result: dict[str, Any] = response.json()
        if response.status != 200 or result.get("errors"):
            raise HttpError(f"HTTP {response.status}: {response.body[:500]!r}")
        data: dict[str, Any] = result["data"]
        return data

    async def command(self, body: bytes, field: str) -> None:
        """Posts a pre-built mutation `body`; raises unless the `field`'s command answered `ok: true`."""
        response = await self.post(body)
        result = response.json() if response.status == 200 else None
        if result is None or result.get("errors") or not result["data"][field]["ok"]:
            raise HttpError(f"{field} failed: {response.body[:300]!r}")

    async def close(self) -> None:
        for connection in self._idle:
            await connection.close()
        self._idle.clear()
