"""A webhook receiver for the benchmark: an HTTP/1.1 server on loopback that answers 204 at once and notes when
each event arrived (by aggregate and version), so delivery can be timed from the commit to the receiver."""

from __future__ import annotations

import asyncio
import contextlib
import time

import orjson

ANSWER = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class TimingReceiver:
    def __init__(self) -> None:
        self.arrived: dict[tuple[str, int], float] = {}
        """(aggregate id, version) -> when it first arrived (perf_counter)."""
        self.requests = 0
        self.arrival = asyncio.Event()
        """Set whenever something arrives."""
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                event = orjson.loads(await reader.readexactly(length))
                self.requests += 1
                self.arrived.setdefault((event["aggregateId"], event["aggregateVersion"]), time.perf_counter())
                self.arrival.set()
                writer.write(ANSWER)
                await writer.drain()
        writer.close()
