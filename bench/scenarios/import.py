"""`catalog import` of a JSON Lines file of products (`--import-rows`, default 100 000; --quick 5 000 at most) into
an empty database, on SQLite and on PostgreSQL: rows per second, CPU per row and the peak resident memory of the
importing process (its VmHWM sampled while it runs), against SQLAlchemy Core inserts of the same rows and outbox
rows in transactions of the import's chunk size. The import streams, so its memory must not grow with the file:
a second file of a tenth of the rows is imported into a fresh database of its own, and the two peaks are
compared, as the rebuild scenario compares its reindexes. The files are written before timing, row by row; the
import runs as the CLI does, in a subprocess."""

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
RSS_TARGET = 1.15  # peak RSS at N within 15% of the peak at N/10, as the rebuild's
SMALL_ROWS_MIN = 100


@dataclass(frozen=True)
class ImportFile:
    path: str
    rows: int


def _write_file(run: Run, count: int) -> ImportFile:
    """Products [0, count) as JSON Lines, each line written as its product is made: nothing holds the rows."""
    path = run.workdir / f"import-{count}.jsonl"
    with path.open("w") as out:
        for command in catalog.products(0, count, sku_prefix="IMP"):
            row = {key: value for key, value in create_input(command)["input"].items() if value is not None}
            out.write(json.dumps(row) + "\n")
    return ImportFile(str(path), count)


@dataclass(frozen=True)
class Imported:
    rows: int
    seconds: float
    cpu_seconds: float
    peak_rss: int
    summary: str  # the import's last line of output


def _import(run: Run, database_url: str, file: ImportFile) -> Imported:
    """`catalog import` in a subprocess: its time, and its CPU and peak resident memory read from /proc while it
    runs (sampled every 0.1 s; the high-water mark is the kernel's)."""
    env = catalog_env(database_url, run.elasticsearch.url, run.prefix("import"))
    command = [*catalog_command(), "import", file.path]
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
    return Imported(file.rows, seconds, cpu, peak, lines[-1] if lines else "")


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


@dataclass(frozen=True)
class Databases:
    """Where one backend's import, its raw inserts and the small import for the memory baseline write."""

    backend: str
    imported: str
    raw: str
    small: str


def _databases(run: Run) -> list[Databases]:
    found = [
        Databases("sqlite", run.sqlite_url("import"), run.sqlite_url("import-raw"), run.sqlite_url("import-small"))
    ]
    if run.postgres is not None:
        names = ("bench_import", "bench_import_raw", "bench_import_small")
        found.append(Databases("postgres", *(run.postgres.new_database(name) for name in names)))
    return found


def _rows(backend: str, imported: Imported, raw_seconds: float, small: Imported) -> list[Row]:
    count, rss, small_rss = imported.rows, imported.peak_rss, small.peak_rss
    rate = count / imported.seconds
    note = f"{imported.summary}; CPU {imported.cpu_seconds / count * 1000:.2f} ms a row"
    return [
        Row("import", f"catalog import rows/s {backend} ({count:,} products)", "rows/s", round(rate),
            round(count / raw_seconds), None, "higher", note=note),
        Row("import", f"catalog import peak RSS {backend} {count:,} vs {small.rows:,}", "MiB", rss, small_rss,
            RSS_TARGET, note=f"the importing process's high-water mark, {rss / 2**20:.0f} MiB vs "
            f"{small_rss / 2**20:.0f} MiB, each into an empty database"),
    ]  # fmt: skip


async def run(run: Run) -> None:
    count = run.settings.import_rows
    small_count = max(SMALL_ROWS_MIN, count // 10)
    run.console.log(f"import: writing files of {count:,} and {small_count:,} products")
    file, small_file = _write_file(run, count), _write_file(run, small_count)
    for databases in _databases(run):
        backend = databases.backend
        run.console.log(f"import: catalog import of {count:,} products on {backend}, and the raw inserts of its rows")
        imported = _import(run, databases.imported, file)
        raw_seconds = await _raw_seconds(databases.raw, count)
        run.console.log(f"import: catalog import of {small_count:,} products on {backend} (memory baseline)")
        small = _import(run, databases.small, small_file)
        run.report.rows.extend(_rows(backend, imported, raw_seconds, small))
        run.report.details.setdefault("import", {})[backend] = {
            "seconds": {str(count): imported.seconds, str(small_count): small.seconds},
            "raw_seconds": raw_seconds,
            "peak_rss": {str(count): imported.peak_rss, str(small_count): small.peak_rss},
        }
