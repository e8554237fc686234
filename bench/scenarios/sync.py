"""Sync: the worker indexing a backlog of N products' events from an empty checkpoint, against raw
``helpers.async_bulk`` of the same final documents (same ids, same external versions) into a fresh index with
the same mapping. Alternated: ours, limit, ours, limit. The first of ours builds the main index the read
scenarios use.

Before the first timed run, an untimed raw bulk into a scratch index (`raw.warm_up_indexing`) warms the
node's indexing path: a node that has not indexed yet is still compiling it, and the first timed run, ours, paid
for that (1.8x the indexing time of a warm run, and a ratio of 0.51 against 0.81-0.94 once warm)."""

from __future__ import annotations

from bench import raw
from bench.measure import CpuMeter, freeze_heap, median
from bench.ours import sync_until_caught_up
from bench.report import Row
from bench.run import Run
from domain.storage.engine import create_sync
from read_index.indices import delete_indices

TARGET = 0.9


async def run(run: Run) -> None:
    database = run.ensure_main_database()
    engine = create_sync(database)
    try:
        run.console.log("sync: building the final documents for the raw baseline")
        docs = raw.final_documents(engine)
    finally:
        engine.dispose()
    freeze_heap()
    # three at least, so the median drops an outlier (a first run still warming Python's and the node's caches)
    repetitions = 2 if run.settings.quick else max(3, run.settings.repetitions // 2 + 1)
    probes = run.cpu_probes()
    ours_seconds: list[float] = []
    limit_seconds: list[float] = []
    cpu: dict[str, float] = {}
    events = 0
    client = run.es_client()
    try:
        run.console.log("sync: warming the node's indexing path (untimed)")
        warmup = f"{run.prefix('syncwarmup')}-products-raw"
        await raw.warm_up_indexing(client, warmup, docs, run.elasticsearch.layout)
        for repetition in range(repetitions):
            prefix = run.main_prefix if repetition == 0 and not run.main_indexed else run.prefix(f"sync{repetition}")
            run.console.log(f"sync: worker over the backlog ({repetition + 1}/{repetitions})")
            meter = CpuMeter(probes)
            with meter.measuring():
                subscription = None if prefix == run.main_prefix else f"bench-{prefix}"
                stats = await sync_until_caught_up(run, database, prefix, refresh=True, subscription=subscription)
            events = stats.events
            ours_seconds.append(stats.seconds)
            for name, used in meter.used.items():
                cpu[f"ours:{name}"] = cpu.get(f"ours:{name}", 0.0) + used
            if prefix == run.main_prefix:
                run.main_indexed = True
            else:
                await delete_indices(client, prefix)
            index = f"{run.prefix(f'syncraw{repetition}')}-products-raw"
            run.console.log(f"sync: raw bulk of {len(docs):,} documents ({repetition + 1}/{repetitions})")
            meter = CpuMeter(probes)
            seconds = await raw.timed_bulk_into_fresh_index(client, index, docs, meter, run.elasticsearch.layout)
            limit_seconds.append(seconds)
            for name, used in meter.used.items():
                cpu[f"limit:{name}"] = cpu.get(f"limit:{name}", 0.0) + used
    finally:
        await client.close()
    ours_rate = len(docs) / median(ours_seconds)
    limit_rate = len(docs) / median(limit_seconds)
    per_doc = {name: round(seconds * 1000 / (len(docs) * repetitions), 4) for name, seconds in cpu.items()}
    run.report.rows.append(
        Row(
            "sync", "docs indexed/s from backlog", "docs/s", ours_rate, limit_rate, TARGET, "higher",
            cpu_ms_per_op=per_doc,
            note=f"{events:,} events -> {len(docs):,} documents; worker {events / median(ours_seconds):,.0f} events/s",
        )
    )  # fmt: skip
    run.report.details["sync"] = {
        "events": events, "documents": len(docs), "ours_s": ours_seconds, "limit_s": limit_seconds
    }  # fmt: skip
