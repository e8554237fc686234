"""The outbox as plain data: positions in it, the records the sync worker reads, and consistency tokens.

A position orders the outbox as the sync worker reads it: by the writing transaction's id, then by the row's
sequence number. On SQLite every transaction id is 0, so the sequence number alone orders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.model.quoting import quoted
from domain.model.snapshots import Snapshot

TOKEN_PREFIX = "c1"
TOKEN_PART_MAX = 20
TOKEN_MAX = 80
_TOKEN = re.compile(rf"{TOKEN_PREFIX}\.([0-9]{{1,{TOKEN_PART_MAX}}})\.([0-9]{{1,{TOKEN_PART_MAX}}})")


class InvalidToken(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class OutboxPosition:
    txid: int
    sequence: int

    def token(self) -> str:
        return f"{TOKEN_PREFIX}.{self.txid}.{self.sequence}"

    @classmethod
    def parse_token(cls, token: str) -> OutboxPosition:
        """Raises InvalidToken for anything but `c1.<txid>.<sequence>` in ASCII digits, each part of at most
        `TOKEN_PART_MAX` (a 64-bit number has 20): `str.isdigit` and `int` take superscripts and other scripts'
        digits, and `int` of 5 000 digits raises."""
        matched = _TOKEN.fullmatch(token) if len(token) <= TOKEN_MAX else None
        if matched is None:
            raise InvalidToken(f"{quoted(token)} is not a consistency token of this service")
        return cls(int(matched[1]), int(matched[2]))


START = OutboxPosition(0, 0)


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    position: OutboxPosition
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str
    # The event as JSON data: the audit record of what happened (docs/architecture.md, "The outbox"). Projections
    # never read it.
    payload: dict[str, Any]
    # The aggregate's snapshot after this event (the one of `aggregate_type`); None on all but the last of a
    # transaction's events for one aggregate, whose snapshot covers the earlier ones.
    state: Snapshot | None
    # None where the reader did not read it: projection reads, which nothing downstream asks when events happened.
    occurred_at: datetime | None
    # The state's size as stored (characters of its JSON), when the reader knew it without serializing: 0 if not.
    state_size: int = 0
