"""The guarded httptools protocol (`guarded_http`), with each response's head and body written to the socket
together.

uvicorn writes the status line and headers on ``http.response.start`` and the body on ``http.response.body``:
two ``send`` system calls, two TCP segments on a TCP_NODELAY socket, and a client woken twice per response
(docs/performance.md, finding 4). Holding a final response's head until the body's first write halves that;
the bytes on the wire are the same. A held head never waits longer than the current turn of the event loop:
uvicorn writes the body of a whole response in the same turn, and a streaming response gets its head at the
next one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from api.fastpath.guarded_http import GuardedHttpProtocol

_RESPONSE = b"HTTP/1.1 "
_HEAD_END = b"\r\n\r\n"


class CoalescingHttpProtocol(GuardedHttpProtocol):
    """Made into `uvicorn.Config`'s protocol by `api.fastpath.http_server` when the fast path is on."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(HeadHoldingTransport(transport))


class HeadHoldingTransport(asyncio.Transport):
    """Delegates to `transport`, except that a final response head (not ``1xx``: ``100 Continue`` and ``101``
    must leave at once) waits for the next write in the same turn of the event loop and goes out with it; at
    the end of the turn (or on close) it goes out alone."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._head is not None:
            self._transport.write(self._head + bytes(data))
            self._head = None
        elif _is_final_head(data):
            self._head = bytes(data)
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._transport.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._head = None
        self._transport.abort()

    def _flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._head or b"")

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()


def _is_final_head(data: bytes | bytearray | memoryview) -> bool:
    chunk = bytes(data[:12])
    return chunk.startswith(_RESPONSE) and chunk[9:10] != b"1" and bytes(data[-4:]) == _HEAD_END
