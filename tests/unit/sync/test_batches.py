"""Batches leave out what the index is known to hold, and are prepared again once that knowledge is forgotten."""

from __future__ import annotations

from domain.outbox import OutboxRecord
from read_index.projections import IndexOp
from sync.batches import coalesced_into, prepare, still_current
from sync.delivery import AcknowledgedVersions
from tests.integration.read_index.states import product_state, record


def _versions_and_records() -> tuple[AcknowledgedVersions, list[OutboxRecord]]:
    """A lamp at version 2 whose version 3 the index acknowledged, and a chair at version 1 it has not seen."""
    lamp = product_state("Lamp", version=2)
    chair = product_state("Chair", version=1)
    acknowledged = AcknowledgedVersions(100)
    acknowledged.remember([IndexOp("products", lamp["id"], 3, None)])
    return acknowledged, [record("product", lamp), record("product", chair)]


def test_a_batch_leaves_out_records_at_or_below_an_acknowledged_version() -> None:
    acknowledged, records = _versions_and_records()

    batch = prepare(records, tail=False, acknowledged=acknowledged)

    assert [op.version for op in batch.ops] == [1]
    assert batch.generation == acknowledged.generation
    assert still_current(batch, acknowledged, models=None) is batch


def test_a_batch_is_prepared_again_once_the_versions_that_filtered_it_are_forgotten() -> None:
    acknowledged, records = _versions_and_records()
    batch = prepare(records, tail=False, acknowledged=acknowledged)

    acknowledged.forget()  # the index may have lost writes: the left-out record must be sent after all
    again = still_current(batch, acknowledged, models=None)

    assert sorted(op.version for op in again.ops) == [1, 2]
    assert again.records is batch.records
    assert again.generation == acknowledged.generation


def test_a_batch_prepared_without_versions_is_never_prepared_again() -> None:
    acknowledged, records = _versions_and_records()
    batch = prepare(records, tail=False)

    acknowledged.forget()

    assert batch.generation is None
    assert still_current(batch, acknowledged, models=None) is batch


def test_a_refused_operation_covers_every_record_of_its_document_the_batch_folded_into_it() -> None:
    lamp = product_state("Lamp", version=1)
    chair = product_state("Chair", version=1)
    records = [record("product", lamp), record("product", chair), record("product", {**lamp, "version": 2})]
    [lamp_op] = [op for op in prepare(records, tail=False).ops if op.doc_id == lamp["id"]]

    covered = coalesced_into(lamp_op, records)

    assert [(r.aggregate_id, r.aggregate_version) for r in covered] == [(lamp["id"], 1), (lamp["id"], 2)]
