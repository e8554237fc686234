"""A response's head leaves with its body in one write, and never later than the current turn of the loop."""

from __future__ import annotations

import asyncio
from typing import Any

from api.fastpath.coalescing_http import HeadHoldingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_the_head_goes_out_with_the_body_in_one_write() -> None:
    socket = RecordingTransport()
    transport = HeadHoldingTransport(socket)

    transport.write(HEAD)
    transport.write(b"{}")

    assert socket.writes == [HEAD + b"{}"]


async def test_a_head_without_a_body_in_the_same_turn_goes_out_alone_at_the_next() -> None:
    socket = RecordingTransport()
    transport = HeadHoldingTransport(socket)

    transport.write(HEAD)
    assert socket.writes == []
    await asyncio.sleep(0)

    assert socket.writes == [HEAD]
    transport.write(b"{}")
    assert socket.writes == [HEAD, b"{}"]


async def test_interim_answers_and_bodies_are_written_at_once() -> None:
    socket = RecordingTransport()
    transport = HeadHoldingTransport(socket)

    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    transport.write(b"5\r\nhello\r\n")

    assert socket.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"5\r\nhello\r\n"]


async def test_closing_sends_a_held_head_first() -> None:
    socket = RecordingTransport()
    transport = HeadHoldingTransport(socket)

    transport.write(HEAD)
    transport.close()

    assert socket.writes == [HEAD]
    assert socket.closed
