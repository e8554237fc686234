"""HTTP/1.1 over a plain socket, for tests that must send exactly the bytes they mean (or too many, or too
slowly) and read exactly what comes back."""

from __future__ import annotations

import select
import socket

from tests.e2e.conftest import Server

PATIENCE_SECONDS = 30  # how long a test waits for what should come within a second or two


def connect(server: Server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=PATIENCE_SECONDS)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def answered(connection: socket.socket) -> bool:
    """Whether the server has written something (or closed) on `connection`."""
    return bool(select.select([connection], [], [], 0)[0])


def response(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the next response on `connection` (read to its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the connection closed without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (field.partition(":") for field in fields)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = connection.recv(65536)
        assert chunk, "the connection closed mid-body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def closed_without_a_word(connection: socket.socket) -> bool:
    """Whether the server closes `connection` without sending anything more."""
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True


def exchange(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends `request` on a new connection and reads the response to it."""
    connection = connect(server)
    try:
        connection.sendall(request)
        return response(connection)
    finally:
        connection.close()
