"""Compares the write model with the read models: documents missing, stale (another version) or extra.

Two streaming passes per read model, both in pages, so memory stays flat whatever the catalog's size:
1. the write model's (id, version) pages, each checked with one realtime `_mget` (missing and stale);
2. the index's ids, through a point in time sorted by `_shard_doc`, each page checked against the write model
   (extra: a document whose aggregate does not exist).

A worker applying changes during the check makes recent changes look stale or missing for a moment: verify a
caught-up deployment (`catalog sync status` says 0 behind), or run it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.storage import aggregate_pages
from read_index.indices import READ_MODELS, alias_name
from sync.read_models import SOURCES

PIT_KEEP_ALIVE = "2m"


@dataclass(slots=True)
class Drift:
    read_model: str
    aggregates: int = 0
    documents: int = 0
    missing: int = 0
    stale: int = 0
    extra: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


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
            versions = await aggregate_pages.read_versions(connection, source, after, page)
        if not versions:
            return
        after = versions[-1][0]
        drift.aggregates += len(versions)
        response = await client.mget(index=alias, ids=[aggregate_id for aggregate_id, _ in versions], source=False)
        for (aggregate_id, version), doc in zip(versions, response["docs"], strict=True):
            if not doc.get("found"):
                drift.missing += 1
                _sample(drift, f"missing {drift.read_model}/{aggregate_id} (write model at version {version})", limit)
            elif doc["_version"] != version:
                drift.stale += 1
                _sample(
                    drift,
                    f"stale {drift.read_model}/{aggregate_id}: index at version {doc['_version']}, "
                    f"write model at {version}",
                    limit,
                )


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
