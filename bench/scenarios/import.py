"""`catalog import` of a JSON Lines file of products (`--import-rows`, default 100 000; --quick 5 000 at most) into
an empty database, on SQLite and on PostgreSQL: rows per second, CPU per row and the peak resident memory of the
importing process (its VmHWM sampled while it runs), against SQLAlchemy Core inserts of the same rows and outbox
rows in transactions of the import's chunk size. The file is written before timing; the import runs as the CLI
does, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass

from api.demo import catalog_data as catalog
from bench.measure import peak_rss_bytes, process_cpu_seconds
from bench.report import Row
from bench.rows import chunks
from bench.run import Run
from bench.scenarios.write import RawWriter, create_input
from bench.services import catalog_command, catalog_env
from domain.storage.migrate import upgrade

CHUNK_ROWS = 500  # catalog import's default --chunk


def _write_file(run: Run, count: int) -> str:
    path = run.workdir / f"import-{count}.jsonl"
    with path.open("w") as out:
        for command in catalog.products(0, count, sku_prefix="IMP"):
            row = {key: value for key, value in create_input(command)["input"].items() if value is not None}
            out.write(json.dumps(row) + "\n")
    return str(path)


@dataclass(frozen=True)
class Imported:
    seconds: float
    cpu_seconds: float
    peak_rss: int
    summary: str  # the import's last line of output


def _import(run: Run, database_url: str, path: str) -> Imported:
    """`catalog import` in a subprocess: its time, and its CPU and peak resident memory read from /proc while it
    runs (sampled every 0.1 s; the high-water mark is the kernel's)."""
    env = catalog_env(database_url, run.elasticsearch.url, run.prefix("import"))
    command = [*catalog_command(), "import", path]
    started = time.perf_counter()
    cpu, peak = 0.0, 0
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.DEVNULL)
        while process.poll() is None:
            cpu = max(cpu, process_cpu_seconds(process.pid))
            peak = max(peak, peak_rss_bytes(process.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        output.seek(0)
        lines = output.read().decode().strip().splitlines()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"catalog import failed: {lines[-3:]}")
    return Imported(seconds, cpu, peak, lines[-1] if lines else "")


async def _raw_seconds(database_url: str, count: int) -> float:
    """The limit: SQLAlchemy Core inserts of the same products' rows and outbox rows, in transactions of
    `CHUNK_ROWS` (the import's chunk), into a database that grows as the import's does.

    Each chunk's rows are built just before its transaction, outside the timed region, and only the inserts are
    timed. Built all before timing, N products' rows would need about 9 GB of this process at 1 000 000 (≈ 9.5 KB
    a product, by tracemalloc); timing only a first 100 000 would measure inserts into tables a tenth the size,
    cheaper per row than the import's last ones. So the limit covers all N rows and the bench holds one chunk at a
    time. Against rows built all first its rate is the same within the noise: at 20 000 products on SQLite, five
    pairs run in both orders gave 8 900 to 10 700 rows/s chunk by chunk, 9 200 to 11 400 all built first (perhaps
    a few percent slower: building between the transactions leaves the CPU's caches cold).
    """
    upgrade(database_url)
    raw = RawWriter(database_url, {})
    seconds = 0.0
    try:
        for low, high in chunks(0, count, CHUNK_ROWS):
            rows = raw.create_rows_together(list(catalog.products(low, high, sku_prefix="IMP")))
            started = time.perf_counter()
            if raw.postgres:
                await raw.insert_async(rows)
            else:
                raw.insert_sync(rows)
            seconds += time.perf_counter() - started
        return seconds
    finally:
        await raw.close()


def _rows(backend: str, count: int, imported: Imported, raw_seconds: float) -> list[Row]:
    rate = count / imported.seconds
    rss = imported.peak_rss
    note = f"{imported.summary}; CPU {imported.cpu_seconds / count * 1000:.2f} ms a row"
    return [
        Row("import", f"catalog import rows/s {backend} ({count:,} products)", "rows/s", round(rate),
            round(count / raw_seconds), None, "higher", note=note),
        Row("import", f"catalog import peak RSS {backend}", "MiB", rss, None, None, "lower",
            note="the importing process's high-water mark"),
    ]  # fmt: skip


async def run(run: Run) -> None:
    count = run.settings.import_rows
    run.console.log(f"import: writing a file of {count:,} products")
    path = _write_file(run, count)
    backends = [("sqlite", run.sqlite_url("import"), run.sqlite_url("import-raw"))]
    if run.postgres is not None:
        backends.append(
            ("postgres", run.postgres.new_database("bench_import"), run.postgres.new_database("bench_import_raw"))
        )
    for backend, database_url, raw_url in backends:
        run.console.log(f"import: catalog import on {backend}, and the raw inserts of its rows")
        imported = _import(run, database_url, path)
        run.report.rows.extend(_rows(backend, count, imported, await _raw_seconds(raw_url, count)))
