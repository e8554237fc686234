"""Rebuild: `catalog reindex` (a real subprocess) rebuilding the products index from the write model, against raw
``helpers.async_bulk`` of the same final documents into a fresh index; and the reindex process's peak RSS at N
and at N/10 products (it should stream, so memory stays flat). The merge `catalog reindex` starts in the background
after its swap is waited for between measurements, untimed, like the raw index's (deleted right after its bulk)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass

from bench import raw
from bench.measure import CpuMeter, median, peak_rss_bytes
from bench.report import Row
from bench.run import Run
from bench.services import catalog_command, catalog_env
from domain.storage.engine import create_sync
from read_index.indices import PRODUCTS, alias_name, ensure_indices

RATE_TARGET = 0.8
RSS_TARGET = 1.15
RSS_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Reindexed:
    seconds: float
    peak_rss: int
    cpu_seconds: float


def reindex(run: Run, database_url: str, prefix: str) -> Reindexed:
    """Runs `catalog reindex` to completion. Peak RSS is the child's own VmHWM, sampled until it exits: wait4's
    ru_maxrss would report this (large) process's RSS, which a forked child inherits as its high-water mark."""
    env = catalog_env(database_url, run.elasticsearch.url, prefix, CATALOG_SYNC_IN_PROCESS="false")
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen([*catalog_command(), "reindex"], env=env, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        while True:
            peak = max(peak, peak_rss_bytes(process.pid))
            finished, status, usage = os.wait4(process.pid, os.WNOHANG)
            if finished:
                break
            time.sleep(RSS_POLL_SECONDS)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            raise RuntimeError(f"catalog reindex exited {process.returncode}: {output.read()[-600:]!r}")
    return Reindexed(seconds, peak, usage.ru_utime + usage.ru_stime)


async def run(run: Run) -> None:
    engine = create_sync(run.ensure_main_database())  # reindex reads the write model; no live index needed
    try:
        docs = raw.final_documents(engine)
    finally:
        engine.dispose()
    client = run.es_client()
    probes = run.cpu_probes()
    ours: list[Reindexed] = []
    limit_seconds: list[float] = []
    es_cpu = {"ours": 0.0, "limit": 0.0}
    try:
        for repetition in range(2):
            prefix = run.prefix(f"rebuild{repetition}")
            await ensure_indices(client, prefix, run.elasticsearch.layout)
            run.console.log(f"rebuild: catalog reindex of {len(docs):,} products ({repetition + 1}/2)")
            meter = CpuMeter(probes)
            with meter.measuring():
                ours.append(reindex(run, run.main_database, prefix))
            es_cpu["ours"] += meter.used.get("elasticsearch", 0.0)
            waited = await raw.merges_finished(client, alias_name(prefix, PRODUCTS))
            run.console.log(f"rebuild: the reindexed index's background merge finished after {waited:.0f} s (untimed)")
            index = f"{run.prefix(f'rebuildraw{repetition}')}-products-raw"
            run.console.log(f"rebuild: raw bulk ({repetition + 1}/2)")
            meter = CpuMeter(probes)
            seconds = await raw.timed_bulk_into_fresh_index(client, index, docs, meter, run.elasticsearch.layout)
            limit_seconds.append(seconds)
            es_cpu["limit"] += meter.used.get("elasticsearch", 0.0)
        small_count = max(100, run.settings.products // 10)
        small_database = run.sqlite_url("rebuild-small")
        run.seed(small_database, small_count, label=f"{small_count:,} products for the small rebuild")
        small_prefix = run.prefix("rebuildsmall")
        await ensure_indices(client, small_prefix, run.elasticsearch.layout)
        run.console.log(f"rebuild: catalog reindex of {small_count:,} products (memory baseline)")
        small = reindex(run, small_database, small_prefix)
    finally:
        await client.close()
    ours_seconds = median([result.seconds for result in ours])
    per_doc = 1000 / (len(docs) * 2)
    cpu = {
        "ours:reindex": round(sum(result.cpu_seconds for result in ours) * per_doc, 4),
        "ours:elasticsearch": round(es_cpu["ours"] * per_doc, 4),
        "limit:elasticsearch": round(es_cpu["limit"] * per_doc, 4),
    }
    large_rss = max(result.peak_rss for result in ours)
    run.report.rows += [
        Row(
            "rebuild", "catalog reindex docs/s", "docs/s", len(docs) / ours_seconds,
            len(docs) / median(limit_seconds), RATE_TARGET, "higher", cpu_ms_per_op=cpu,
            note="ours is the whole `catalog reindex` process, Python start-up included",
        ),
        Row(
            "rebuild", f"reindex peak RSS {len(docs):,} vs {small_count:,}", "MiB", large_rss, small.peak_rss,
            RSS_TARGET, note=f"{large_rss / 2**20:.0f} MiB vs {small.peak_rss / 2**20:.0f} MiB",
        ),
    ]  # fmt: skip
    run.report.details["rebuild"] = {
        "ours_s": [result.seconds for result in ours],
        "limit_s": limit_seconds,
        "peak_rss": {str(len(docs)): large_rss, str(small_count): small.peak_rss},
    }
