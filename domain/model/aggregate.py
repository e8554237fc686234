"""What every aggregate shares: a version that counts its events, and the events not yet stored."""

from __future__ import annotations

from domain.model.errors import Conflict
from domain.model.events import Event
from domain.model.snapshots import Snapshot


class Aggregate:
    aggregate_type: str

    def __init__(self, version: int) -> None:
        self.version = version
        self.pending_events: list[Event] = []

    @property
    def key(self) -> str:
        raise NotImplementedError

    def require_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise Conflict(f"{self.aggregate_type} is at version {self.version}, not {expected}", "expectedVersion")

    def record(self, event: Event) -> None:
        self.version += 1
        self.pending_events.append(event)

    def snapshot(self) -> Snapshot:
        """The whole current state (see `snapshots.py`); travels with the events so projections need no lookups."""
        raise NotImplementedError
