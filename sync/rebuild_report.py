"""What a rebuild tells while it runs (`RebuildProgress`, to a `Progress` callback) and when it ends
(`RebuildReport`): `sync.rebuild`'s vocabulary, apart so that a caller (`catalog reindex`) reads it alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from domain.outbox import OutboxPosition


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    phase: str
    read_model: str | None
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class RebuiltIndex:
    read_model: str
    index: str
    previous: str | None
    copied: int
    merged_to: int | None = None
    """The segments per shard its background merge aims at; None when the rebuild was asked not to merge."""


@dataclass(slots=True)
class RebuildReport:
    indices: list[RebuiltIndex] = field(default_factory=list)
    replayed: int = 0
    refused: int = 0
    """Documents Elasticsearch refused (their records are the live worker's dead letters)."""
    start: OutboxPosition | None = None
    end: OutboxPosition | None = None


Progress = Callable[[RebuildProgress], None]
