"""A TCP proxy on loopback in front of a real server, for tests of how the service meets a slow or absent peer:
not a mock, a real peer with a misbehaviour chosen by the test (the answer on the first connection held back)."""

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
    """Forwards 127.0.0.1:`port` to `upstream`; the answer on the first connection waits `hold_first_answer`
    seconds before it is passed on (the request itself reaches the upstream at once)."""

    def __init__(self, upstream: tuple[str, int], *, port: int | None = None, hold_first_answer: float = 0.0) -> None:
        self.upstream = upstream
        self.port = port or free_port()
        self.hold_first_answer = hold_first_answer
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        hold = self.hold_first_answer if self.connections == 1 else 0.0
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        requests = asyncio.create_task(_pipe(client_reader, upstream_writer, 0.0))
        answers = asyncio.create_task(_pipe(upstream_reader, client_writer, hold))
        self._tasks |= {requests, answers}
        await asyncio.gather(requests, answers, return_exceptions=True)
        self._tasks -= {requests, answers}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hold: float) -> None:
    try:
        while data := await reader.read(65536):
            if hold:
                await asyncio.sleep(hold)
                hold = 0.0
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()
