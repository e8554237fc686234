"""The limits: the same work done the shortest way, with the plain libraries and none of our code on the path.

- reads: elasticsearch-py sending the request body our reader builds, to the same alias;
- index writes: ``helpers.async_bulk`` of the same final documents, ids and external versions;
- SQL writes: SQLAlchemy Core inserts of the same rows and outbox rows, one transaction per command.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch, helpers
from sqlalchemy import Engine, select

from bench.measure import CpuMeter
from domain.model.events import PRODUCT
from domain.model.snapshots import ProductSnapshot
from domain.storage.tables import outbox
from read_index.documents import product_document
from read_index.indices import MAPPINGS, PRODUCTS, SINGLE_NODE, IndexLayout, index_settings
from read_index.segments import start_merge

SETTLE_TIMEOUT_SECONDS = 900.0
QUIET_POLLS = 3  # consecutive polls with no merge running
SEARCH_FILTER_PATH = "hits.total.value,hits.hits._source,hits.hits.sort,aggregations"
_JSON = {"accept": "application/json", "content-type": "application/json"}


@dataclass(frozen=True, slots=True)
class VersionedDoc:
    id: str
    version: int
    document: dict[str, Any]


async def search(client: AsyncElasticsearch, index: str, body: dict[str, Any]) -> Any:
    response = await client.perform_request(
        "POST",
        f"/{index}/_search",
        params={"filter_path": SEARCH_FILTER_PATH},
        headers=_JSON,
        body=orjson.dumps(body),
    )
    return response.body


async def get_source(client: AsyncElasticsearch, index: str, doc_id: str, source: list[str]) -> Any:
    response = await client.get(index=index, id=doc_id, source_includes=source)
    return response.body["_source"]


async def create_products_index(
    client: AsyncElasticsearch, name: str, *, refresh_interval: str = "1s", layout: IndexLayout = SINGLE_NODE
) -> None:
    """A fresh index with the service's own mapping and settings (refresh interval set explicitly), every copy of
    each shard started (on a cluster, the replicas too) before it is used."""
    settings = {**index_settings(PRODUCTS, layout), "refresh_interval": refresh_interval}
    await client.indices.create(
        index=name, settings=settings, mappings=MAPPINGS[PRODUCTS], wait_for_active_shards="all"
    )


def final_documents(engine: Engine) -> list[VersionedDoc]:
    """The newest state of every product in the outbox, as its index document (computed outside any timing)."""
    newest: dict[str, tuple[int, ProductSnapshot]] = {}
    query = (
        select(outbox.c.aggregate_id, outbox.c.aggregate_version, outbox.c.state)
        .where(outbox.c.aggregate_type == PRODUCT, outbox.c.state.is_not(None))
        .order_by(outbox.c.sequence)
    )
    with engine.connect() as connection:
        for aggregate_id, version, state in connection.execute(query.execution_options(yield_per=5000)):
            current = newest.get(aggregate_id)
            if current is None or version > current[0]:
                newest[aggregate_id] = (version, state)
    return [VersionedDoc(key, version, product_document(state)) for key, (version, state) in newest.items()]


async def _actions(index: str, docs: Iterable[VersionedDoc]) -> AsyncIterator[dict[str, Any]]:
    for doc in docs:
        yield {
            "_index": index,
            "_id": doc.id,
            "version": doc.version,
            "version_type": "external",
            "_source": doc.document,
        }


async def bulk(client: AsyncElasticsearch, index: str, docs: list[VersionedDoc], chunk_size: int = 1000) -> int:
    """Indexes `docs` with helpers.async_bulk; returns how many were acknowledged (409s count: newer exists)."""
    ok, errors = await helpers.async_bulk(
        client,
        _actions(index, docs),
        chunk_size=chunk_size,
        max_chunk_bytes=50 * 1024 * 1024,
        raise_on_error=False,
        refresh=False,
    )
    failures: list[dict[str, Any]] = errors if isinstance(errors, list) else []
    conflicts = sum(1 for error in failures if next(iter(error.values())).get("status") == 409)
    if len(failures) != conflicts:
        raise RuntimeError(f"raw bulk failed for {len(failures) - conflicts} documents: {failures[:1]}")
    return int(ok) + conflicts


WARMUP_DOCUMENTS = 50_000


async def warm_up_indexing(
    client: AsyncElasticsearch, index: str, docs: list[VersionedDoc], layout: IndexLayout = SINGLE_NODE
) -> None:
    """An untimed raw bulk of up to `WARMUP_DOCUMENTS` of `docs` into a scratch index (deleted again): a node
    that has not indexed yet is still compiling its indexing path, and the first timed run would pay for it
    (docs/performance.md, finding 15)."""
    await timed_bulk_into_fresh_index(client, index, docs[:WARMUP_DOCUMENTS], CpuMeter({}), layout)


async def timed_bulk_into_fresh_index(
    client: AsyncElasticsearch,
    index: str,
    docs: list[VersionedDoc],
    meter: CpuMeter,
    layout: IndexLayout = SINGLE_NODE,
) -> float:
    """Seconds the raw bulk of `docs` takes into a new index (deleted afterwards); CPU is charged to `meter`."""
    await create_products_index(client, index, layout=layout)
    with meter.measuring():
        started = time.perf_counter()
        await bulk(client, index, docs)
        seconds = time.perf_counter() - started
    await client.indices.delete(index=index)
    return seconds


SEQUENTIAL_BULK_DOCUMENTS = 2_000


async def sequential_bulk(
    client: AsyncElasticsearch, index: str, docs: list[VersionedDoc], per_request: int = SEQUENTIAL_BULK_DOCUMENTS
) -> None:
    """The plainest way to index `docs`: one `_bulk` of `per_request` documents after another, each awaited (the
    worker's reference in issue 18: no pipelining, no helper)."""
    for low in range(0, len(docs), per_request):
        operations: list[dict[str, Any]] = []
        for doc in docs[low : low + per_request]:
            operations += [{"index": {"_id": doc.id, "version": doc.version, "version_type": "external"}}, doc.document]
        response = await client.bulk(index=index, operations=operations, refresh=False)
        if response["errors"]:
            failed = [item for entry in response["items"] for item in entry.values() if item.get("error")]
            if any(item["status"] != 409 for item in failed):
                raise RuntimeError(f"sequential bulk failed: {failed[:1]}")


async def timed_sequential_bulk_until_searchable(
    client: AsyncElasticsearch,
    index: str,
    docs: list[VersionedDoc],
    meter: CpuMeter,
    layout: IndexLayout = SINGLE_NODE,
) -> float:
    """Seconds from the first request of `sequential_bulk` until every document is searchable (a refresh), into a
    new index (deleted afterwards); CPU is charged to `meter`."""
    await create_products_index(client, index, layout=layout)
    with meter.measuring():
        started = time.perf_counter()
        await sequential_bulk(client, index, docs)
        await client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
    await client.indices.delete(index=index)
    return seconds


async def merges_settled(client: AsyncElasticsearch, index: str) -> float:
    """Waits until no merge has run on `index` for `QUIET_POLLS` polls in a row; returns the seconds waited."""
    started = time.perf_counter()
    quiet = 0
    while quiet < QUIET_POLLS and time.perf_counter() - started < SETTLE_TIMEOUT_SECONDS:
        stats = await client.indices.stats(index=index, metric="merge")
        quiet = quiet + 1 if stats["_all"]["primaries"]["merges"]["current"] == 0 else 0
        await asyncio.sleep(2)
    return time.perf_counter() - started


async def rebuilt_layout(client: AsyncElasticsearch, index: str) -> float:
    """Merges `index` as `catalog reindex` leaves its new index (`read_index.segments`), and waits until the merge
    has finished; returns the seconds waited."""
    await start_merge(client, index)
    return await merges_finished(client, index)


async def merges_finished(client: AsyncElasticsearch, index: str) -> float:
    """Waits until no force merge runs on the node and no merge has run on `index` for a while (a background merge
    `catalog reindex` started must not slow the next measurement); returns the seconds waited."""
    started = time.perf_counter()
    for _ in range(int(SETTLE_TIMEOUT_SECONDS)):
        if not (await client.tasks.list(actions="indices:admin/forcemerge*"))["nodes"]:
            break
        await asyncio.sleep(1)
    await merges_settled(client, index)
    return time.perf_counter() - started
