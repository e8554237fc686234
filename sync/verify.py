"""Compares the write model with the read models: documents missing, stale (another version), different (the
same version, other content) or extra.

Two streaming passes per read model, both in pages, so memory stays flat whatever the catalog's size:
1. the write model's rows, page by page, each made into the document the projections would index (the same
   function a rebuild uses), checked against one realtime `_mget` of the page's documents with their `_source`:
   missing, stale (another version), different (the same version, but a field differs; the sample names the
   fields). Content is compared as parsed JSON, so it is exact (no digest collision) and needs no field in the
   mapping: a document edited in place, or written by a projection bug, shows even though its version is right.
2. the index's ids, through a point in time sorted by `_shard_doc`, each page checked against the write model
   (extra: a document whose aggregate does not exist).

Pass 1 costs what a rebuild's copy costs in Python (building each document, text analysis included) plus reading
every `_source`, and writes nothing. A worker applying changes during the check makes recent changes look stale
or missing for a moment: verify a caught-up deployment (`catalog sync status` says 0 behind), or run it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import aggregate_pages
from domain.storage.aggregate_pages import AggregateState
from read_index.indices import READ_MODELS, alias_name
from sync.read_model_sources import SOURCES, snapshot_ops

PIT_KEEP_ALIVE = "2m"


@dataclass(slots=True)
class Drift:
    read_model: str
    aggregates: int = 0
    documents: int = 0
    missing: int = 0
    stale: int = 0
    different: int = 0
    extra: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.different or self.extra)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    read_models: list[Drift]

    @property
    def clean(self) -> bool:
        return all(drift.clean for drift in self.read_models)


async def verify(
    engine: AsyncEngine,
    client: AsyncElasticsearch,
    prefix: str,
    read_models: Sequence[str] = READ_MODELS,
    *,
    page_size: int = 1000,
    sample_size: int = 10,
) -> VerifyReport:
    drifts = []
    for model in read_models:
        drift = Drift(model)
        alias = alias_name(prefix, model)
        await _check_write_model(engine, client, alias, drift, page=page_size, limit=sample_size)
        await _check_index(engine, client, alias, drift, page=page_size, limit=sample_size)
        drifts.append(drift)
    return VerifyReport(drifts)


def _sample(drift: Drift, line: str, limit: int) -> None:
    if len(drift.samples) < limit:
        drift.samples.append(line)


async def _check_write_model(
    engine: AsyncEngine, client: AsyncElasticsearch, alias: str, drift: Drift, *, page: int, limit: int
) -> None:
    source = SOURCES[drift.read_model]
    after: str | None = None
    while True:
        async with engine.connect() as connection:
            aggregates = await aggregate_pages.read_states(connection, source, after, page)
        if not aggregates:
            return
        after = aggregates[-1].aggregate_id
        drift.aggregates += len(aggregates)
        response = await client.mget(index=alias, ids=[aggregate.aggregate_id for aggregate in aggregates])
        for aggregate, doc in zip(aggregates, response["docs"], strict=True):
            _compare(aggregate, doc, drift, limit)


def _compare(aggregate: AggregateState, doc: dict[str, Any], drift: Drift, limit: int) -> None:
    """One aggregate against its document as `_mget` found it."""
    name = f"{drift.read_model}/{aggregate.aggregate_id}"
    version = aggregate.version
    if not doc.get("found"):
        drift.missing += 1
        _sample(drift, f"missing {name} (write model at version {version})", limit)
    elif doc["_version"] != version:
        drift.stale += 1
        _sample(drift, f"stale {name}: index at version {doc['_version']}, write model at {version}", limit)
    else:
        differing = _differing_fields(_expected_document(aggregate, drift.read_model), doc["_source"])
        if differing:
            drift.different += 1
            _sample(drift, f"different {name} at version {version}: {', '.join(differing)}", limit)


def _expected_document(aggregate: AggregateState, read_model: str) -> dict[str, Any]:
    """The document the projections make of the aggregate's row, as JSON would carry it (tuples are lists)."""
    [op] = [op for op in snapshot_ops(aggregate) if op.read_model == read_model]
    document: dict[str, Any] = orjson.loads(orjson.dumps(op.document))
    return document


def _differing_fields(expected: dict[str, Any], indexed: dict[str, Any]) -> list[str]:
    return sorted(key for key in expected.keys() | indexed.keys() if expected.get(key, ...) != indexed.get(key, ...))


async def _check_index(
    engine: AsyncEngine, client: AsyncElasticsearch, alias: str, drift: Drift, *, page: int, limit: int
) -> None:
    source = SOURCES[drift.read_model]
    await client.indices.refresh(index=alias)
    pit = (await client.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE))["id"]
    search_after: list[Any] | None = None
    try:
        while True:
            response = await client.search(
                pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE},
                sort=[{"_shard_doc": "asc"}],
                size=page,
                source=False,
                track_total_hits=False,
                search_after=search_after,
            )
            hits = response["hits"]["hits"]
            if not hits:
                return
            pit = response.get("pit_id", pit)
            search_after = hits[-1]["sort"]
            ids = [hit["_id"] for hit in hits]
            drift.documents += len(ids)
            async with engine.connect() as connection:
                existing = await aggregate_pages.versions_of(connection, source, ids)
            for doc_id in ids:
                if doc_id not in existing:
                    drift.extra += 1
                    _sample(drift, f"extra {drift.read_model}/{doc_id}: no such aggregate in the write model", limit)
    finally:
        await client.close_point_in_time(id=pit)
