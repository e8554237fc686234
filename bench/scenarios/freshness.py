"""Freshness: how long after a command commits its change is searchable, under a steady write load.

Ours: changeProductPrice over HTTP at a steady rate against the main service (its in-process worker on); the
commit time is when the mutation's answer arrives. The limit, at the same time and rate: the same document
written straight into a raw index with the same settings (``refresh_interval`` 1s, set explicitly), so only the
refresh interval stands between write and search. One poller searches both indices every 20 ms for every write
still pending (a single ``terms`` search per index), so the probing itself costs little.

With a consistency token: a sample of writes is read back at once with product(id, token) and with
searchProducts(query: sku, token); every such read must show the written version.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from elasticsearch import AsyncElasticsearch

from bench import raw
from bench.http import GraphQLClient
from bench.measure import Latencies
from bench.queries import CHANGE_PRICE, PRODUCT
from bench.report import Row
from bench.run import Run
from bench.stack import main_service, product_ids
from read_index.documents import price_value
from read_index.indices import PRODUCTS, alias_name

POLL_SECONDS = 0.02
TOKEN_SAMPLE_EVERY = 5
P50_TARGET = 1.1
P99_TARGET = 1.5
TOKEN_SEARCH = """
query S($q: String, $t: String) {
  searchProducts(query: $q, first: 5, consistencyToken: $t) { edges { node { id version } } }
}
"""


@dataclass
class Pending:
    """Writes not yet seen by search: document id -> (version, commit time)."""

    index: str
    waiting: dict[str, tuple[int, float]] = field(default_factory=dict)
    seen: Latencies = field(default_factory=Latencies)

    async def poll(self, client: AsyncElasticsearch) -> None:
        if not self.waiting:
            return
        ids = list(self.waiting)
        body = {
            "query": {"bool": {"filter": [{"terms": {"id": ids}}]}},
            "size": len(ids),
            "_source": ["id", "version"],
        }
        response = await client.search(index=self.index, body=body)
        now = time.perf_counter()
        for hit in response["hits"]["hits"]:
            doc_id, version = hit["_source"]["id"], hit["_source"]["version"]
            wanted = self.waiting.get(doc_id)
            if wanted is not None and version >= wanted[0]:
                self.seen.samples.append(now - wanted[1])
                del self.waiting[doc_id]


class Probe:
    """Writes at a steady rate, mirrors each write into the raw index, and samples reads with the token."""

    def __init__(self, run: Run, writer: GraphQLClient, reader: GraphQLClient, client: AsyncElasticsearch) -> None:
        self.writer, self.reader, self.client = writer, reader, client
        self.raw_index = f"{run.prefix('fresh')}-products-raw"
        self.ours = Pending(alias_name(run.main_prefix, PRODUCTS))
        self.limit = Pending(self.raw_index)
        self.token_reads = {"checked": 0, "saw_write": 0}
        self.stop = asyncio.Event()
        self._raw_versions: dict[str, int] = {}
        self._rng = random.Random(5)

    async def poll(self) -> None:
        while not self.stop.is_set() or self.ours.waiting or self.limit.waiting:
            await asyncio.gather(self.ours.poll(self.client), self.limit.poll(self.client))
            await asyncio.sleep(POLL_SECONDS)

    async def write(self, i: int, product_id: str) -> None:
        amount = Decimal(self._rng.randint(500, 50_000)) / 100
        variables = {"input": {"productId": product_id, "price": {"amount": str(amount), "currency": "EUR"}}}
        result = (await self.writer.execute(CHANGE_PRICE, variables))["changeProductPrice"]
        committed = time.perf_counter()
        if not result["ok"]:
            return  # the same price again: nothing changed, nothing to see
        self.ours.waiting[product_id] = (result["version"], committed)
        # The limit: the same document, straight into the raw index.
        version = self._raw_versions[product_id] = self._raw_versions.get(product_id, 0) + 1
        document = _raw_document(product_id, version, amount)
        await self.client.index(
            index=self.raw_index, id=product_id, document=document, version=version, version_type="external"
        )
        self.limit.waiting[product_id] = (version, time.perf_counter())
        if i % TOKEN_SAMPLE_EVERY == 0:
            await self.check_token(product_id, result["version"], result["consistencyToken"])

    async def check_token(self, product_id: str, version: int, consistency_token: str) -> None:
        """Reads straight after the write, with its token: by id and by a search for its sku."""
        by_id = (await self.reader.execute(PRODUCT, {"id": product_id, "token": consistency_token}))["product"]
        in_get = by_id is not None and by_id["version"] >= version
        in_search = False
        if by_id is not None:
            searched = await self.reader.execute(TOKEN_SEARCH, {"q": by_id["sku"], "t": consistency_token})
            edges = searched["searchProducts"]["edges"]
            in_search = any(edge["node"]["id"] == product_id and edge["node"]["version"] >= version for edge in edges)
        self.token_reads["checked"] += 1
        self.token_reads["saw_write"] += int(in_search and in_get)


async def _steady_load(probe: Probe, ids: list[str], rate: float, duration: float) -> int:
    polling = asyncio.create_task(probe.poll())
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    i = 0
    try:
        while time.perf_counter() - started < duration:
            tasks.append(asyncio.create_task(probe.write(i, ids[i % len(ids)])))
            i += 1
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
        probe.stop.set()
        await asyncio.wait_for(polling, timeout=30)
    finally:
        polling.cancel()
    return i


async def run(run: Run) -> None:
    service = await main_service(run)
    settings = run.settings
    writer = GraphQLClient(service.url, service.token("catalog:write"))
    reader = GraphQLClient(service.url)
    client = run.es_client()
    probe = Probe(run, writer, reader, client)
    await raw.create_products_index(client, probe.raw_index, refresh_interval="1s", layout=run.elasticsearch.layout)
    ids = await product_ids(run, 4_000)
    rate = 10.0 if settings.quick else 20.0
    duration = max(3.0 if settings.quick else 10.0, settings.seconds * settings.repetitions)
    run.console.log(f"freshness: {rate:.0f} writes/s for {duration:.0f}s")
    try:
        writes = await _steady_load(probe, ids, rate, duration)
    finally:
        await writer.close()
        await reader.close()
        await client.indices.delete(index=probe.raw_index)
        await client.close()
    ours, limit, reads = probe.ours.seen, probe.limit.seen, probe.token_reads
    note = (
        f"{len(ours.samples)} writes at {rate:.0f}/s; token reads saw the write {reads['saw_write']}/{reads['checked']}"
    )
    run.report.rows += [
        Row("freshness", "commit→searchable p50", "s", ours.p50, limit.p50, P50_TARGET, target_on="value", note=note),
        Row("freshness", "commit→searchable p99", "s", ours.p99, limit.p99, P99_TARGET, target_on="value"),
        Row(
            "freshness", "token reads that saw the write", "%",
            100.0 * reads["saw_write"] / max(1, reads["checked"]), 100.0, 100.0, "higher", target_on="value",
        ),
    ]  # fmt: skip
    run.report.details["freshness"] = {"token_reads": reads, "writes": writes}


def _raw_document(product_id: str, version: int, amount: Decimal) -> dict[str, Any]:
    return {
        "id": product_id,
        "sku": f"RAW-{product_id[:8]}",
        "name": "Raw Freshness Probe",
        "category_path": ["Probe"],
        "category_prefixes": ["Probe"],
        "attributes": [],
        "price": {"amount": str(amount), "currency": "EUR", "value": price_value(amount)},
        "status": "ACTIVE",
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
        "in_stock": False,
        "version": version,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "search": {"name": "raw freshness probe", "name_folded": "raw freshness probe", "name_sort": "raw"},
    }
