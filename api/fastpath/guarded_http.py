"""uvicorn's httptools protocol, with the limits a server on the open internet needs and uvicorn lacks.

uvicorn bounds the keep-alive idle time (`timeout_keep_alive`), nothing else of a connection: a 64 MB header
line is buffered whole, and a client that sends its head or its body one byte at a time, or connects and sends
nothing, holds a connection (and its memory) for as long as it likes. This protocol adds, per connection:

- a bound on the request head's bytes (request line and header fields) and on its number of header fields:
  431, counted as the bytes arrive, before the parser buffers them;
- a deadline for the head, from its first byte (or from the connection's start: a new connection must send
  one), and one for the body, from the end of the head: 408 (a connection that sent nothing is just closed);
- a bound on open connections: a request on a connection beyond it is answered 503.

A refusal is written here, with `connection: close`, `x-content-type-options: nosniff` and `cache-control:
no-store`, and logged as one line; the connection is then half-closed and what the client still sends is read
and dropped for a moment (`LINGER_SECONDS`), so that it gets the answer rather than a reset. A body that timed
out reaches the application as a disconnect, and the request's scope state says the server answered 408
(`REFUSED_STATUS_KEY`), so the access line counts it as that.

This is a guard, not a speed-up: `catalog serve` runs it with `CATALOG_FAST_PATH` on and off alike
(`api.fastpath.http_server`); the fast path only adds `CoalescingHttpProtocol` on top of it. It lives here
because it uses uvicorn's internals (the httptools protocol, its parser and request cycle), pinned in
requirements.lock.
"""

from __future__ import annotations

import asyncio
import http
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.settings import Settings

log = logging.getLogger(__name__)

REFUSED_STATUS_KEY = "http_refused_status"
LINGER_SECONDS = 2.0

_HEAD, _BODY = "head", "body"
_REFUSAL_HEADERS = (
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"x-content-type-options: nosniff\r\n"
    b"cache-control: no-store\r\n"
)


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_header_bytes: int
    max_headers: int
    header_timeout: float
    body_timeout: float
    max_connections: int

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            max_headers=settings.http_max_headers,
            header_timeout=settings.http_header_timeout_seconds,
            body_timeout=settings.http_body_timeout_seconds,
            max_connections=settings.http_max_connections,
        )


class _Refused(Exception):
    """Stops the parser: the request is refused (`GuardedHttpProtocol._refusal` says how)."""


class GuardedHttpProtocol(HttpToolsProtocol):
    """Use a subclass made by `http_options` (it sets `limits`)."""

    limits: ClassVar[HttpLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = _HEAD
        self._phase_started: float | None = None  # None: no byte of the next head yet
        self._head_bytes = 0
        self._heads = 0  # request heads parsed on this connection
        self._header_count = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._refusal: tuple[int, str] | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._phase_started = self.loop.time()  # a new connection owes its first head from now
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a refusal: what still arrives is dropped
        if self._phase == _HEAD:
            if self._phase_started is None:
                self._phase_started = self.loop.time()
            room = max(self.limits.max_header_bytes - self._head_bytes, 0)
            if len(data) > room:  # the head must end within the room left, or it is too large
                heads = self._heads
                self._parse(data[:room])
                if self._heads == heads and not self._refused:
                    self._refuse(431, "the request head is too large")
                data = data[room:]
                if self._refused or not data:
                    return
            else:
                self._head_bytes += len(data)
        self._parse(data)
        if self._deadline is None and not self._refused and self._phase_started is not None:
            self._arm()  # the head or body goes on in a later packet: it has until its deadline

    def _parse(self, data: bytes) -> None:
        """uvicorn's `data_received`, with this guard's refusals answered as themselves."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._refuse(*self._refusal)
            else:
                self._refuse(400, "Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._disarm()
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    # Parser callbacks

    def on_message_begin(self) -> None:
        self._header_count = 0
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._refusal = (431, "the request has too many header fields")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._heads += 1
        if len(self.connections) > self.limits.max_connections:
            self._refusal = (503, "too many connections; try again shortly")
            raise _Refused
        self._phase, self._phase_started = _BODY, self.loop.time()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._phase, self._phase_started, self._head_bytes = _HEAD, None, 0
        super().on_message_complete()

    # Deadlines and refusals

    def _arm(self) -> None:
        assert self._phase_started is not None
        timeout = self.limits.header_timeout if self._phase == _HEAD else self.limits.body_timeout
        self._deadline = self.loop.call_at(self._phase_started + timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self._phase == _HEAD and self._head_bytes == 0:
            self.transport.close()  # nothing asked, nothing to answer
        elif self._phase == _BODY and self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # answered already (without reading the body): no room for a 408
        else:
            self._refuse(408, f"the request {self._phase} took too long")

    def _refuse(self, status: int, reason: str) -> None:
        self._refused = True
        self._disarm()
        cycle = self.cycle  # in the body phase, this request's; in the head phase, the one before, if any
        if cycle is not None and not cycle.response_complete:
            if self._phase == _HEAD:  # a pipelined head while the answer before it is being written
                self.transport.close()
                return
            cycle.scope["state"][REFUSED_STATUS_KEY] = status
            cycle.disconnected = True  # what the application reads next is a disconnect
            cycle.message_event.set()
        self.transport.write(_refusal(status, reason, self.server_state.default_headers))
        client = self.client[0] if self.client else None
        log.info("event=http_refused status=%d reason=%r client=%s", status, reason, client)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._deadline = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()


def _refusal(status: int, reason: str, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    body = reason.encode()
    phrase = http.HTTPStatus(status).phrase
    head = [f"HTTP/1.1 {status} {phrase}\r\n".encode()]
    head.extend(name + b": " + value + b"\r\n" for name, value in default_headers)
    head.append(_REFUSAL_HEADERS + b"content-length: %d\r\n\r\n" % len(body))
    return b"".join(head) + body
