"""Opaque page cursors: the sort values of the last hit, for ``search_after``, and the point in time they belong
to; never a deep ``from``.

A cursor is base64url (unpadded) of the JSON ``[version, kind, scope, sort values, pit id, pit index]``. `kind`
names the sort it was issued for and `scope` is a short digest of the query and filter, so a cursor handed to
another query, filter or sort is refused instead of silently starting somewhere arbitrary. The point in time
(`read_index/points_in_time.py`) is what makes the next page continue in the same view of the index; its index
must be one behind the read model's alias (the caller checks, and filters the search on it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson

from read_index.errors import InvalidCursor
from read_index.points_in_time import PointInTime

CURSOR_VERSION = 2
MAX_CURSOR_LENGTH = 8192  # a point in time's id grows with the shards it spans (about 70 bytes each)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_PIT_ID = re.compile(r"[A-Za-z0-9+/=_-]+")
_LONG = 2**63
NUMBER = "number"
TEXT = "text"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a cursor points: after these sort values, in this point in time."""

    sort_values: list[Any]
    pit: PointInTime


def scope_of(*parts: Any) -> str:
    """A short digest of what a page depends on besides the sort (query, filters); JSON-serializable parts."""
    return hashlib.blake2b(orjson.dumps(parts), digest_size=6).hexdigest()


def encode(kind: str, scope: str, values: list[Any], pit: PointInTime) -> str:
    raw = orjson.dumps([CURSOR_VERSION, kind, scope, values, pit.id, pit.index])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(cursor: str, kind: str, scope: str, shape: tuple[str, ...]) -> Position:
    """The position of a cursor issued for `kind` and `scope`, its sort values each of the type `shape` names."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _ALPHABET.fullmatch(cursor):
        raise InvalidCursor()
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor() from error
    if isinstance(data, list) and data and data[0] == 1:
        raise InvalidCursor.expired()  # issued before cursors carried a point in time
    if not (isinstance(data, list) and len(data) == 6 and data[0] == CURSOR_VERSION):
        raise InvalidCursor()
    _, cursor_kind, cursor_scope, values, pit_id, index = data
    if cursor_kind != kind or cursor_scope != scope:
        raise InvalidCursor("belongs to another query, filter or sort")
    if not (isinstance(values, list) and len(values) == len(shape)) or not all(map(_fits, values, shape)):
        raise InvalidCursor()
    if not (isinstance(pit_id, str) and _PIT_ID.fullmatch(pit_id) and isinstance(index, str)):
        raise InvalidCursor()
    return Position(values, PointInTime(pit_id, index))


def _fits(value: Any, expected: str) -> bool:
    if expected == TEXT:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return -_LONG <= value < _LONG
