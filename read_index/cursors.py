"""Opaque page cursors: the sort values of the last hit, for ``search_after``; never a deep ``from``.

A cursor is base64url (unpadded) of the JSON ``[version, kind, scope, sort values]``. `kind` names the sort it
was issued for and `scope` is a short digest of the query and filter, so a cursor handed to another query,
filter or sort is refused instead of silently starting somewhere arbitrary.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

import orjson

from read_index.errors import InvalidCursor

CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 1024
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_LONG = 2**63
NUMBER = "number"
TEXT = "text"


def scope_of(*parts: Any) -> str:
    """A short digest of what a page depends on besides the sort (query, filters); JSON-serializable parts."""
    return hashlib.blake2b(orjson.dumps(parts), digest_size=6).hexdigest()


def encode(kind: str, scope: str, values: list[Any]) -> str:
    raw = orjson.dumps([CURSOR_VERSION, kind, scope, values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(cursor: str, kind: str, scope: str, shape: tuple[str, ...]) -> list[Any]:
    """The sort values of a cursor issued for `kind` and `scope`, each of the type `shape` names."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _ALPHABET.fullmatch(cursor):
        raise InvalidCursor()
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor() from error
    if not (isinstance(data, list) and len(data) == 4 and data[0] == CURSOR_VERSION):
        raise InvalidCursor()
    _, cursor_kind, cursor_scope, values = data
    if cursor_kind != kind or cursor_scope != scope:
        raise InvalidCursor("belongs to another query, filter or sort")
    if not (isinstance(values, list) and len(values) == len(shape)) or not all(map(_fits, values, shape)):
        raise InvalidCursor()
    return values


def _fits(value: Any, expected: str) -> bool:
    if expected == TEXT:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return -_LONG <= value < _LONG
