"""Lean keep-alive connections for the hot reads, and the `ReadTransport` that uses them.

With `LeanConnections` (a plain ``http://`` node) a search or a GET by id is written as one pre-built HTTP/1.1
request on a kept-alive socket and its answer read with a small parser, a fraction of the CPU of
elasticsearch-py's generic ``perform_request`` (docs/performance.md, finding 4). Anything but a plain answer (a
status other than 200, a refused or dropped connection, a timeout, a malformed response) is sent again through
elasticsearch-py (`ClientTransport`), so errors, retries and their exceptions stay exactly the official client's.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from contextlib import suppress
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import orjson

from read_index.transport import ClientTransport

_MAX_HEAD_BYTES = 64 * 1024
_MAX_BODY_BYTES = 100 * 1024 * 1024


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
    """Kept-alive HTTP/1.1 connections to one plain-HTTP node, for requests whose answers the caller checks.

    `request` answers ``(status, body)``, or None when the request could not be completed (connect refused,
    connection dropped, timeout, a response this parser does not take): the caller then sends it the official
    way. At most `limit` requests are in flight; idle connections are reused, newest first.
    """

    def __init__(self, host: str, port: int, *, authorization: str | None, timeout: float, limit: int) -> None:
        self._address = (host, port)
        self._timeout = timeout
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[_Connection] = []
        self._closed = False
        fixed = [f"host: {host}:{port}", "accept: application/json", "content-type: application/json"]
        if authorization is not None:
            fixed.append(f"authorization: {authorization}")
        self._headers = ("\r\n".join(fixed) + "\r\n").encode("latin-1")

    @classmethod
    def for_url(cls, url: str, *, timeout: float, limit: int) -> LeanConnections | None:
        """For a single ``http://`` node (credentials in the URL allowed); None for anything else (TLS, several
        nodes, a path prefix), which the official client keeps serving alone."""
        if "," in url:
            return None
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
            return None
        authorization = None
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(host, parts.port or 9200, authorization=authorization, timeout=timeout, limit=limit)

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
            return answer

    async def _connect(self) -> _Connection | None:
        loop = asyncio.get_running_loop()
        host, port = self._address
        try:
            async with asyncio.timeout(self._timeout):
                _, connection = await loop.create_connection(lambda: _Connection(self._timeout), host.strip("[]"), port)
        except (OSError, TimeoutError):
            return None
        return connection

    async def close(self) -> None:
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()


class _Connection(asyncio.Protocol):
    """One socket, one request at a time: writes it, then parses a Content-Length or chunked response; an answer
    not complete within `seconds` counts as a failure."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[tuple[int, bytes] | None] | None = None
        self._buffer = bytearray()
        self._status = 0
        self._length = -1  # body bytes still expected (Content-Length), or -1: reading the head
        self._chunked = False
        self._chunks: list[bytes] = []
        self._received = 0
        self.reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self._transport = None
        self._finish(None)

    def close(self) -> None:
        self.reusable = False
        if self._transport is not None:
            self._transport.close()

    async def exchange(self, request: bytes) -> tuple[int, bytes] | None:
        if self._transport is None or self._transport.is_closing():
            return None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, bytes] | None] = loop.create_future()
        self._answer = answer
        self._buffer.clear()
        self._length, self._chunked, self._chunks, self._received = -1, False, [], 0
        timer = loop.call_later(self._seconds, self._finish, None)
        self._transport.write(request)
        try:
            return await answer
        finally:
            timer.cancel()

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            self.close()  # nothing was asked: a protocol error
            return
        self._buffer += data
        try:
            self._parse()
        except ValueError:
            self.close()
            self._finish(None)

    def _parse(self) -> None:
        if self._length < 0 and not self._read_head():
            return
        if self._chunked:
            self._read_chunks()
        elif len(self._buffer) >= self._length:
            body = bytes(self._buffer[: self._length])
            if len(self._buffer) > self._length:
                raise ValueError("bytes after the response")
            self._finish((self._status, body))

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HEAD_BYTES:
                raise ValueError("response head too long")
            return False
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        del self._buffer[: end + 4]
        version, status, _ = (lines[0] + b" ").split(b" ", 2)
        if version != b"HTTP/1.1":
            raise ValueError("not HTTP/1.1")
        self._status = int(status)
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                self._chunked = value.strip().lower() == b"chunked"
                if not self._chunked:
                    raise ValueError("unsupported transfer encoding")
            elif name == b"connection" and b"close" in value.lower():
                self.reusable = False
            elif name == b"content-encoding" and value.strip().lower() != b"identity":
                raise ValueError("compressed response")
        if not self._chunked and (length is None or not 0 <= length <= _MAX_BODY_BYTES):
            raise ValueError("no usable content-length")
        self._length = length if length is not None else 0
        return True

    def _read_chunks(self) -> None:
        buffer = self._buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return
            size = int(bytes(buffer[:line_end]).split(b";", 1)[0], 16)
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return
                if trailer_end + 4 != len(buffer):
                    raise ValueError("bytes after the response")
                self._finish((self._status, b"".join(self._chunks)))
                return
            start = line_end + 2
            if len(buffer) < start + size + 2:
                return
            if buffer[start + size : start + size + 2] != b"\r\n":
                raise ValueError("malformed chunk")
            self._received += size
            if self._received > _MAX_BODY_BYTES:
                raise ValueError("response too large")
            self._chunks.append(bytes(buffer[start : start + size]))
            del buffer[: start + size + 2]

    def _finish(self, result: tuple[int, bytes] | None) -> None:
        if result is None:
            self.reusable = False
        answer = self._answer
        if answer is not None and not answer.done():
            answer.set_result(result)
