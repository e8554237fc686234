"""The outbox as plain data: positions in it, the records the sync worker reads, and consistency tokens.

A position orders the outbox as the sync worker reads it: by the writing transaction's id, then by the row's
sequence number. On SQLite every transaction id is 0, so the sequence number alone orders it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.model.quoting import quoted
from domain.model.snapshots import Snapshot

TOKEN_PART_MAX = 20
"""Digits of a token's part at most: a 64-bit number has 20."""
TOKEN_MAX = 100
"""Characters of a token at most: a spanning token (`c4`) of 20-digit parts is 97. A single command's (`c3`) is
76 at most, which `idempotency_keys.consistency_token` (80) keeps; spanning tokens are never stored."""
_DIGITS = rf"([0-9]{{1,{TOKEN_PART_MAX}}})"  # ASCII only: str.isdigit and int() take other scripts' digits
_POSITION_TOKEN = re.compile(rf"c1\.{_DIGITS}\.{_DIGITS}")
_RANGE_TOKEN = re.compile(rf"c2\.{_DIGITS}\.{_DIGITS}\.{_DIGITS}")
_MASK = r"([0-9]{1,10})"
_PARTITIONED_TOKEN = re.compile(rf"c3\.{_DIGITS}\.{_DIGITS}\.{_DIGITS}\.{_MASK}")
_SPANNING_TOKEN = re.compile(rf"c4\.{_DIGITS}\.{_DIGITS}\.{_DIGITS}\.{_DIGITS}\.{_MASK}")

MAX_PARTITIONS = 32
"""Most partitions the outbox may be split into: a token names its partitions as a 32-bit mask."""


def partition_of(aggregate_type: str, aggregate_id: str, partitions: int) -> int:
    """The partition of an aggregate's records: a stable hash (CRC-32, the same in every process and release,
    unlike `hash()`) of its type and id, modulo the partition count. All of an aggregate's records share it."""
    return zlib.crc32(f"{aggregate_type}:{aggregate_id}".encode()) % partitions


class InvalidToken(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class OutboxPosition:
    txid: int
    sequence: int

    def token(self) -> str:
        """The position as a version-1 token (`c1.<txid>.<sequence>`): how positions are shown and recorded."""
        return f"c1.{self.txid}.{self.sequence}"

    @classmethod
    def parse_token(cls, token: str) -> OutboxPosition:
        """The last position a consistency token names (see `ConsistencyToken.parse`)."""
        return ConsistencyToken.parse(token).last


@dataclass(frozen=True, slots=True)
class ConsistencyToken:
    """What a command returns so that a read can wait for it: the first and the last position of the command's
    records. A command's records are contiguous in its transaction (PostgreSQL: one transaction id; SQLite:
    consecutive sequence numbers, also inside a group commit), so the two name every record it wrote, and a read
    can tell whether any of them could not be indexed.

    `c3.<txid>.<first sequence>.<last sequence>.<partitions>` also names the outbox partitions the command wrote
    (a bit mask: bit p set for partition p), so a read waits for those partitions only. The tokens issued before
    stay valid and wait for every partition: `c2.<txid>.<first sequence>.<last sequence>`, and version 1,
    `c1.<txid>.<sequence>`, which names the last position only (a range of that one position).

    Several commands' records (a bulk mutation's rows, `covering`) may span transactions (PostgreSQL: several
    transaction ids): `c4.<first txid>.<first sequence>.<last txid>.<last sequence>.<partitions>` names both
    positions in full. A range within one transaction is written `c3` (or `c2`) as before.
    """

    first: OutboxPosition
    last: OutboxPosition
    partitions: frozenset[int] | None = None
    """The partitions holding the command's records; None (an older token): any of them."""

    def text(self) -> str:
        first, last = self.first, self.last
        if first.txid != last.txid:  # an older token among several commands' makes every partition's bit set
            mask = _mask(self.partitions if self.partitions is not None else range(MAX_PARTITIONS))
            return f"c4.{first.txid}.{first.sequence}.{last.txid}.{last.sequence}.{mask}"
        if self.partitions is None:
            return f"c2.{last.txid}.{first.sequence}.{last.sequence}"
        return f"c3.{last.txid}.{first.sequence}.{last.sequence}.{_mask(self.partitions)}"

    def covers(self, position: OutboxPosition) -> bool:
        return self.first <= position <= self.last

    @classmethod
    def of(cls, positions: list[OutboxPosition], partitions: Iterable[int]) -> ConsistencyToken:
        first, last = min(positions), max(positions)
        assert first.txid == last.txid, "a command's records are written by one transaction"
        return cls(first, last, frozenset(partitions))

    @classmethod
    def covering(cls, tokens: Iterable[ConsistencyToken]) -> ConsistencyToken | None:
        """One token for several commands' (a bulk mutation's rows, written by one or more transactions): from the
        earliest command's first position to the latest one's last, naming every partition any of them wrote.

        A partition's applied position orders all of its records, so a read waiting for the latest position in
        each of those partitions waits for every earlier command's records too; and the range holds every record
        of every command, so a dead letter among them refuses the read. (Spanning transactions, the range may also
        hold other commands' records, committed between the first and the last: their dead letters refuse the read
        too, an error rather than a stale answer.) An older token among them (no partitions: any) makes it wait
        for all."""
        given = list(tokens)
        if not given:
            return None
        first, last = min(token.first for token in given), max(token.last for token in given)
        named = [token.partitions for token in given]
        if any(partitions is None for partitions in named):
            return cls(first, last)
        return cls(first, last, frozenset(p for partitions in named if partitions for p in partitions))

    @classmethod
    def parse(cls, token: str) -> ConsistencyToken:
        """Raises InvalidToken for anything but the four forms above, in ASCII digits of at most `TOKEN_PART_MAX`
        a part, the first position not after the last, a partition mask naming at least one partition below
        `MAX_PARTITIONS`."""
        if len(token) <= TOKEN_MAX:
            if matched := _PARTITIONED_TOKEN.fullmatch(token):
                txid = int(matched[1])
                first, last = OutboxPosition(txid, int(matched[2])), OutboxPosition(txid, int(matched[3]))
                if (partitions := _partitions(int(matched[4]))) and first <= last:
                    return cls(first, last, partitions)
            elif matched := _SPANNING_TOKEN.fullmatch(token):
                first = OutboxPosition(int(matched[1]), int(matched[2]))
                last = OutboxPosition(int(matched[3]), int(matched[4]))
                if (partitions := _partitions(int(matched[5]))) and first <= last:
                    return cls(first, last, partitions)
            elif matched := _RANGE_TOKEN.fullmatch(token):
                txid = int(matched[1])
                parsed = cls(OutboxPosition(txid, int(matched[2])), OutboxPosition(txid, int(matched[3])))
                if parsed.first <= parsed.last:
                    return parsed
            elif matched := _POSITION_TOKEN.fullmatch(token):
                position = OutboxPosition(int(matched[1]), int(matched[2]))
                return cls(position, position)
        raise InvalidToken(f"{quoted(token)} is not a consistency token of this service")


def _mask(partitions: Iterable[int]) -> int:
    return sum(1 << partition for partition in partitions)


def _partitions(mask: int) -> frozenset[int] | None:
    """The partitions a token's mask names; None unless it names at least one, each below `MAX_PARTITIONS`."""
    if not 0 < mask < 1 << MAX_PARTITIONS:
        return None
    return frozenset(p for p in range(mask.bit_length()) if mask >> p & 1)


START = OutboxPosition(0, 0)


@dataclass(frozen=True, slots=True)
class EncodedState:
    """A record's state as stored (its JSON text), decoded each time it is asked for, never kept decoded.

    The sync worker reads thousands of records a second and keeps a few batches of them until Elasticsearch has
    them; most records' states are never looked at (a batch projects each aggregate's newest state only), and
    the ones that are need their decoded form only while their document is built. Kept as text, a record is one
    object for the garbage collector to walk instead of a tree of dicts (docs/performance.md, finding 28)."""

    text: str
    decode: Callable[[str], Snapshot]


@dataclass(frozen=True, slots=True, init=False)
class OutboxRecord:
    position: OutboxPosition
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_type: str
    # The event as JSON data: the audit record of what happened (docs/architecture.md, "The outbox"). Projections
    # never read it.
    payload: dict[str, Any]
    _state: Snapshot | EncodedState | None
    # None where the reader did not read it: projection reads, which nothing downstream asks when events happened.
    occurred_at: datetime | None
    # The state's size as stored (characters of its JSON), when the reader knew it without serializing: 0 if not.
    state_size: int

    def __init__(  # noqa: PLR0917 - the generated signature, which readers call positionally
        self,
        position: OutboxPosition,
        aggregate_type: str,
        aggregate_id: str,
        aggregate_version: int,
        event_type: str,
        payload: dict[str, Any],
        state: Snapshot | EncodedState | None,
        occurred_at: datetime | None,
        state_size: int = 0,
    ) -> None:
        setter = object.__setattr__  # frozen: the generated __init__ does the same
        setter(self, "position", position)
        setter(self, "aggregate_type", aggregate_type)
        setter(self, "aggregate_id", aggregate_id)
        setter(self, "aggregate_version", aggregate_version)
        setter(self, "event_type", event_type)
        setter(self, "payload", payload)
        setter(self, "_state", state)
        setter(self, "occurred_at", occurred_at)
        setter(self, "state_size", state_size)

    @property
    def state(self) -> Snapshot | None:
        """The aggregate's snapshot after this event (the one of `aggregate_type`); None on all but the last of a
        transaction's events for one aggregate, whose snapshot covers the earlier ones. Decoded again at each
        call when the reader kept it encoded: read it once."""
        stored = self._state
        return stored.decode(stored.text) if isinstance(stored, EncodedState) else stored

    @property
    def has_state(self) -> bool:
        """Whether the record carries a state, without decoding it."""
        return self._state is not None
