"""The request id: one per HTTP request, in the `X-Request-Id` response header and in every log line written while
the request is served (a context variable, so concurrent requests never see each other's).

A client (or a proxy in front) may send its own `X-Request-Id`, so that its logs and ours share the id; it is
accepted only when short and plain (letters, digits, `-`, `_`, `.`, `:`, at most 64 characters), so it can
neither forge a log line nor bloat one. Anything else is replaced by a new random id.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

HEADER = b"x-request-id"
MAX_LENGTH = 64
_ACCEPTED = re.compile(rb"[A-Za-z0-9._:-]{1,%d}" % MAX_LENGTH)

REQUEST_ID: ContextVar[str | None] = ContextVar("catalog_request_id", default=None)


def new_request_id() -> str:
    return secrets.token_hex(8)


def accepted_or_new(sent: bytes | None) -> str:
    """The client's id when it is acceptable, else a new one."""
    if sent is not None and _ACCEPTED.fullmatch(sent):
        return sent.decode("ascii")
    return new_request_id()
