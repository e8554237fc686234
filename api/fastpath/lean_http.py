"""One kept-alive HTTP/1.1 client connection for the lean Elasticsearch reads (lean_elasticsearch.py): a request
written in one piece, its answer parsed by a small parser that takes what Elasticsearch sends (a Content-Length or
chunked body, no compression) and nothing else.
"""

from __future__ import annotations

import asyncio
from typing import cast

_MAX_HEAD_BYTES = 64 * 1024
_MAX_BODY_BYTES = 100 * 1024 * 1024


class HttpConnection(asyncio.Protocol):
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
