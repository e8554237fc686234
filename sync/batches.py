"""Batches: outbox records (as the pipeline reads them, gap-safe: `domain.storage.outbox_reading.read_after`) cut
into runs bounded by count and bytes, each projected to index operations ready for one `_bulk`."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import orjson

from domain.outbox import OutboxPosition, OutboxRecord
from read_index.projections import IndexOp, project
from sync.delivery import AcknowledgedVersions

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
    generation: int | None = None
    """The `AcknowledgedVersions.generation` whose versions left records out of `ops`; None if none did."""

    @property
    def models(self) -> set[str]:
        return {op.read_model for op in self.ops}


def _state_bytes(record: OutboxRecord) -> int:
    if not record.has_state:
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


def _project_each(
    records: list[OutboxRecord], acknowledged: Mapping[tuple[str, str], int] | None
) -> tuple[list[IndexOp], list[tuple[OutboxRecord, str]]]:
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
    return project(good, acknowledged=acknowledged, encoded=True), bad


def prepare(
    records: list[OutboxRecord],
    *,
    tail: bool,
    end: OutboxPosition | None = None,
    models: Collection[str] | None = None,
    acknowledged: AcknowledgedVersions | None = None,
) -> Batch:
    """Projects `records` to operations, coalesced to the newest version per document. With `acknowledged`, the
    records the index is known to hold a version of at least as new are left out before their documents are
    built (the deliverer would drop their operations anyway; a shuffled or re-delivered stream is full of them).
    `end` (default: the last record's position) is where the batch takes the checkpoint: further when the read
    covered its partition up to a horizon, which a batch without records may also carry.
    """
    versions = acknowledged.versions if acknowledged is not None else None
    bad: list[tuple[OutboxRecord, str]] = []
    try:
        ops = project(records, acknowledged=versions, encoded=True)
    except Exception:
        ops, bad = _project_each(records, versions)
    if models is not None:
        ops = [op for op in ops if op.read_model in models]
    generation = acknowledged.generation if acknowledged is not None else None
    return Batch(records, ops, bad, records[-1].position if end is None else end, tail, generation)


def still_current(batch: Batch, acknowledged: AcknowledgedVersions, *, models: Collection[str] | None) -> Batch:
    """`batch`, or, when `acknowledged` has forgotten the versions that left records out of it (the index may
    have lost them), the batch prepared again under what it knows now."""
    if batch.generation is None or batch.generation == acknowledged.generation:
        return batch
    return prepare(batch.records, tail=batch.tail, end=batch.end, models=models, acknowledged=acknowledged)


def coalesced_into(op: IndexOp, records: list[OutboxRecord]) -> list[OutboxRecord]:
    """The records of `records` whose state `op` carries to the index: the one that produced it, and the older
    ones of its document that the batch left out for it (to dead-letter them all when it is refused: none of
    their states reached the index)."""
    covered = []
    for record in records:
        try:
            produced = project([record])
        except Exception:
            continue
        if any((o.read_model, o.doc_id) == (op.read_model, op.doc_id) and o.version <= op.version for o in produced):
            covered.append(record)
    return covered
