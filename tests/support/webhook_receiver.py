"""A webhook receiver for tests: a small HTTP/1.1 server on loopback, started by the test, that records every
POST it gets and answers as the test tells it (a status, a delay, or nothing at all). A real peer, not a mock."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    endless: bool = False
    """Announce a body of a gibibyte and send it until the client goes away."""


Answer = Callable[["Received"], "int | Reply | None"]
"""How to answer a request: a status, a whole reply, or None to hang (answer nothing until the receiver stops)."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Lowercase names."""
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    def signed_with(self, secret: str) -> bool:
        """How a receiver verifies a delivery: the HMAC-SHA256 of the raw body, compared in constant time."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-catalog-signature", ""))


def always(status: int) -> Answer:
    return lambda _request: status


ACKNOWLEDGE = always(204)


class Receiver:
    def __init__(self, answer: Answer = ACKNOWLEDGE, port: int = 0) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self.port = port
        self._server: asyncio.Server | None = None
        self._hanging: set[asyncio.Future[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stops listening (the port refuses connections) and drops hanging requests; `start` listens again."""
        for hanging in self._hanging:
            hanging.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._server.wait_closed()
            self._server = None

    def events(self) -> list[dict[str, Any]]:
        return [request.json for request in self.received]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.received.append(request)
                reply = self.answer(request)
                if reply is None:
                    hanging = asyncio.get_running_loop().create_future()
                    self._hanging.add(hanging)
                    await hanging
                    return
                reply = reply if isinstance(reply, Reply) else Reply(reply, {})
                writer.write(_encoded(reply))
                await writer.drain()
                while reply.endless:
                    writer.write(b"x" * 65536)
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


def _encoded(reply: Reply) -> bytes:
    body = reply.body or (b"" if reply.status in (204, 304) else b"ok")  # a 204 with a body would corrupt the next
    headers = {**reply.headers, "content-length": str(1 << 30 if reply.endless else len(body))}
    body = b"" if reply.endless else body
    head = f"HTTP/1.1 {reply.status} Answer\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode() + body


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(request_line.split(" ")[1], headers, body)
