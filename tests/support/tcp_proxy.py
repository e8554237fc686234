"""A TCP proxy on loopback in front of a real server, that a test can make misbehave: refuse every connection
(the server looks down), hold back the answer on its first connection (the server looks slow), or cut a
connection right after forwarding a given client message, swallowing the server's answer (the server acted on
it; the client never learns). A real peer, not a mock: the service talks to the real server through it, byte
for byte."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from types import TracebackType


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TcpProxy:
    """Forwards 127.0.0.1:`port` (a free one chosen at the first `start()` when 0) to the target. With
    `hold_first_answer`, the answer on the first connection waits that many seconds before it is passed on (the
    request itself reaches the server at once). `async with` starts and closes it."""

    def __init__(self, target_host: str, target_port: int, *, port: int = 0, hold_first_answer: float = 0.0) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = port
        self._hold_first_answer = hold_first_answer
        self._cut_after: bytes | None = None
        self.cuts = 0
        self.connections = 0

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.url_host}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Stops listening and drops every open connection: the server is unreachable until `start()`."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # each link then ends by itself (cancelling one would log its traceback)
        await asyncio.gather(*self._links, return_exceptions=True)

    def cut_after_next(self, message: bytes) -> None:
        """The next client connection that sends `message` has it forwarded, then is cut before any answer."""
        self._cut_after = message

    async def close(self) -> None:
        await self.refuse()

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _link(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        self._writers.add(client_writer)
        self.connections += 1
        hold = self._hold_first_answer if self.connections == 1 else 0.0
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.transport.abort()
            self._forget(task, client_writer)
            return
        self._writers.add(server_writer)
        cut = asyncio.Event()
        pumps = [
            asyncio.create_task(self._pump(client_reader, server_writer, cut, watch=True)),
            asyncio.create_task(self._pump(server_reader, client_writer, cut, watch=False, hold=hold)),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)  # either side closed, or the cut
        finally:
            for writer in (client_writer, server_writer):
                writer.transport.abort()
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._writers.discard(server_writer)
            self._forget(task, client_writer)

    def _forget(self, task: asyncio.Task[None], writer: asyncio.StreamWriter) -> None:
        self._links.discard(task)
        self._writers.discard(writer)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        cut: asyncio.Event,
        *,
        watch: bool,
        hold: float = 0.0,
    ) -> None:
        with contextlib.suppress(OSError):
            await self._copy(reader, writer, cut, watch=watch, hold=hold)

    async def _copy(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        cut: asyncio.Event,
        *,
        watch: bool,
        hold: float,
    ) -> None:
        while data := await reader.read(65536):
            if not watch and cut.is_set():
                return  # the answer to the cut message: swallowed, and the link ends
            if hold:
                await asyncio.sleep(hold)
                hold = 0.0
            writer.write(data)
            await writer.drain()
            if watch and self._cut_after is not None and self._cut_after in data:
                self._cut_after = None
                self.cuts += 1
                cut.set()
