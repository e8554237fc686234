"""Sync workers: 1, 2 and 4 worker processes (`bench/sync_worker.py`, the real `SyncWorker` with its fair share)
sharing the partitions of one PostgreSQL backlog of N products, each time into fresh indices under a fresh
subscription, against the same raw limits of the same final documents: a plain sequential `_bulk` of 2 000
documents per request (issue 18's reference: the worker at >= 0.9x of it) and `helpers.async_bulk`.

The worker processes start first and are let go together once each has started (a process's start-up is not
its worker's work, nor another's). Each run is measured from the moment the first worker holds a partition's
lease until the last document is searchable (every partition's checkpoint past its last record, polled in one
small query, then a refresh and a count); the raw bulks until their refresh. CPU is reported per document, for
each worker process (after its start-up) and for Elasticsearch and PostgreSQL. On two cores the absolute
gain of more workers is bounded by Elasticsearch sharing them: the point is the ratio, and that the worker is
not the only process busy. Needs `--postgres` (a fresh PostgreSQL outbox has 4 partitions; SQLite has one).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import raw
from bench.measure import CpuMeter, median, process_cpu_seconds
from bench.report import Row, Skipped
from bench.run import Run
from domain.outbox import START, OutboxPosition
from domain.storage import outbox_partitioning, sync_checkpoints
from domain.storage.engine import create_async, create_sync
from domain.storage.tables import outbox, sync_leases
from read_index.indices import alias_name, delete_indices, ensure_indices

TARGET = 0.9
WORKER_COUNTS = (1, 2, 4)
POLL_SECONDS = 0.02
ROOT = Path(__file__).resolve().parents[2]


def _start_worker(run: Run, database: str, prefix: str, subscription: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "bench.sync_worker", database, run.elasticsearch.url, prefix, subscription]
    pipe = subprocess.PIPE
    return subprocess.Popen(args, cwd=ROOT, stdin=pipe, stdout=pipe, stderr=subprocess.DEVNULL)


async def _started_together(processes: list[subprocess.Popen[bytes]]) -> None:
    """Waits until every worker has started (imports, engine, client: a process's start-up, not the worker's
    work), then lets them all go: no worker's start-up is charged to another's run."""
    for process in processes:
        assert process.stdout is not None
        if (await asyncio.to_thread(process.stdout.readline)).strip() != b"ready":
            raise RuntimeError("a sync worker process did not start")
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        process.stdin.close()


async def _first_lease(engine: AsyncEngine, subscription: str) -> float:
    while True:
        async with engine.connect() as connection:
            held = await connection.execute(select(sync_leases.c.owner).where(sync_leases.c.name == subscription))
            if held.first() is not None:
                return time.perf_counter()
        await asyncio.sleep(POLL_SECONDS)


async def _last_records(engine: AsyncEngine) -> dict[int, OutboxPosition]:
    """Each partition's last record: the backlog is written before the run, so these are fixed (read untimed)."""
    async with engine.connect() as connection:
        partitions = await outbox_partitioning.load_partitions(connection)
        found = {}
        for partition in range(partitions):
            newest = (
                select(outbox.c.txid, outbox.c.sequence)
                .where(outbox.c.partition == partition)
                .order_by(outbox.c.txid.desc(), outbox.c.sequence.desc())
                .limit(1)
            )
            row = (await connection.execute(newest)).first()
            if row is not None:
                found[partition] = OutboxPosition(row.txid, row.sequence)
    return found


async def _caught_up(engine: AsyncEngine, subscription: str, targets: dict[int, OutboxPosition]) -> None:
    """Polls the subscription's checkpoints only (one small query): the status's backlog counts would load the
    database, which shares the two cores with the workers and Elasticsearch, every poll."""
    while True:
        async with engine.connect() as connection:
            reached = await sync_checkpoints.load_checkpoints(connection, subscription)
        if all(reached.get(partition, START) >= target for partition, target in targets.items()):
            return
        await asyncio.sleep(POLL_SECONDS)


async def _workers_run(
    run: Run, database: str, workers: int, documents: int, repetition: int
) -> tuple[float, dict[str, float]]:
    """Seconds from the first lease to every document searchable, and the CPU seconds of each process. Each
    repetition has a subscription of its own, so it starts from the beginning of the backlog."""
    prefix = run.prefix(f"syncworkers{workers}r{repetition}")
    subscription = f"bench-{prefix}"
    client = run.es_client()
    engine = create_async(database)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        await ensure_indices(client, prefix, run.elasticsearch.layout)  # untimed, as in the sync scenario
        targets = await _last_records(engine)
        processes = [_start_worker(run, database, prefix, subscription) for _ in range(workers)]
        await _started_together(processes)
        started_cpu = [process_cpu_seconds(p.pid) for p in processes]  # start-up: not the worker's work
        meter = CpuMeter(run.cpu_probes())
        with meter.measuring():
            started = await _first_lease(engine, subscription)
            await _caught_up(engine, subscription, targets)
            index = alias_name(prefix, "products")
            await client.indices.refresh(index=index)
            seconds = time.perf_counter() - started
            cpu = {f"worker{i + 1}": process_cpu_seconds(p.pid) - started_cpu[i] for i, p in enumerate(processes)}
        counted = (await client.count(index=index))["count"]
        if counted != documents:
            raise RuntimeError(f"{workers} workers: {counted:,} documents searchable, not {documents:,}")
        return seconds, {**cpu, **meter.used}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
        await engine.dispose()
        await delete_indices(client, prefix)
        await client.close()


async def run(run: Run) -> None:
    if run.postgres is None:
        run.report.skipped.append(Skipped("sync_workers", "needs --postgres (SQLite has one partition)"))
        return
    database = run.postgres.new_database("bench_sync_workers")
    run.seed(database, run.settings.products, label=f"{run.settings.products:,} products (PostgreSQL)")
    engine = create_sync(database)
    try:
        docs = raw.final_documents(engine)
    finally:
        engine.dispose()
    repetitions = 1 if run.settings.quick else 3
    client = run.es_client()
    try:
        run.console.log("sync_workers: warming the node's indexing path (untimed)")
        await raw.warm_up_indexing(
            client, f"{run.prefix('syncworkerswarmup')}-products-raw", docs, run.elasticsearch.layout
        )
        sequential: list[float] = []
        helper: list[float] = []
        for repetition in range(repetitions):
            index = f"{run.prefix(f'syncworkersraw{repetition}')}-products-raw"
            sequential.append(
                await raw.timed_sequential_bulk_until_searchable(
                    client, index, docs, CpuMeter({}), run.elasticsearch.layout
                )
            )
            helper.append(
                await raw.timed_bulk_into_fresh_index(client, index, docs, CpuMeter({}), run.elasticsearch.layout)
            )
    finally:
        await client.close()
    sequential_rate, helper_rate = len(docs) / median(sequential), len(docs) / median(helper)
    details: dict[str, object] = {"documents": len(docs), "sequential_s": sequential, "async_bulk_s": helper}
    for workers in WORKER_COUNTS:
        runs = []
        for repetition in range(repetitions):
            run.console.log(f"sync_workers: {workers} worker process(es) ({repetition + 1}/{repetitions})")
            runs.append(await _workers_run(run, database, workers, len(docs), repetition))
        seconds = median([s for s, _ in runs])
        cpu = {name: round(sum(c[name] for _, c in runs) * 1000 / (len(docs) * repetitions), 4) for name in runs[0][1]}
        rate = len(docs) / seconds
        run.report.rows.append(
            Row(
                "sync_workers", f"{workers} worker(s): docs searchable/s vs sequential _bulk of 2 000", "docs/s",
                rate, sequential_rate, TARGET, "higher", cpu_ms_per_op=cpu,
                note=f"vs helpers.async_bulk: {rate / helper_rate:.2f}x; {len(docs):,} documents",
            )
        )  # fmt: skip
        details[f"workers_{workers}_s"] = [s for s, _ in runs]
    run.report.details["sync_workers"] = details
