"""Reads the outbox in position order, gap-safe (see `domain.storage.outbox_store.read_after`), and cuts what it
reads into batches bounded by count and bytes, each projected to index operations ready for one `_bulk`."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import orjson

from domain.outbox import OutboxPosition, OutboxRecord
from read_index.projections import IndexOp, project

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Batch:
    records: list[OutboxRecord]
    ops: list[IndexOp]
    unprojectable: list[tuple[OutboxRecord, str]]
    """Records whose projection raised: deterministic (projections are pure), so they are dead-lettered at once."""
    end: OutboxPosition
    tail: bool
    """The last batch of a read that emptied the outbox: the worker is tailing, not catching up."""

    @property
    def models(self) -> set[str]:
        return {op.read_model for op in self.ops}


def _state_bytes(record: OutboxRecord) -> int:
    if record.state is None:
        return 0
    return record.state_size or len(orjson.dumps(record.state))


def split_by_bytes(records: list[OutboxRecord], max_bytes: int) -> list[list[OutboxRecord]]:
    """Consecutive runs of records whose states add up to at most `max_bytes` (at least one record each)."""
    runs: list[list[OutboxRecord]] = []
    current: list[OutboxRecord] = []
    size = 0
    for record in records:
        record_bytes = _state_bytes(record)
        if current and size + record_bytes > max_bytes:
            runs.append(current)
            current, size = [], 0
        current.append(record)
        size += record_bytes
    if current:
        runs.append(current)
    return runs


def _project_each(records: list[OutboxRecord]) -> tuple[list[IndexOp], list[tuple[OutboxRecord, str]]]:
    """The slow path once a batch failed to project: find the records at fault, keep the others' operations."""
    good: list[OutboxRecord] = []
    bad: list[tuple[OutboxRecord, str]] = []
    for record in records:
        try:
            project([record])
        except Exception as error:
            bad.append((record, f"projection failed: {type(error).__name__}: {error}"))
        else:
            good.append(record)
    return project(good), bad


def prepare(records: list[OutboxRecord], *, tail: bool, models: Collection[str] | None = None) -> Batch:
    """Projects `records` to operations, coalesced to the newest version per document."""
    bad: list[tuple[OutboxRecord, str]] = []
    try:
        ops = project(records)
    except Exception:
        ops, bad = _project_each(records)
    if models is not None:
        ops = [op for op in ops if op.read_model in models]
    return Batch(records, ops, bad, records[-1].position, tail)


def sources(op: IndexOp, records: list[OutboxRecord]) -> OutboxRecord | None:
    """The record of `records` whose projection produced `op` (to dead-letter it)."""
    for record in reversed(records):
        try:
            produced = project([record])
        except Exception:
            continue
        if any((o.read_model, o.doc_id, o.version) == (op.read_model, op.doc_id, op.version) for o in produced):
            return record
    return None
