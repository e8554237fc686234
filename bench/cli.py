"""`python -m bench`: seed, start what is needed, run the scenarios, print the table, write the JSON."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
import time
import traceback
from pathlib import Path

from rich.console import Console

from bench.profiling import profiled
from bench.report import Skipped, print_report
from bench.run import ALL_SCENARIOS, Run, Settings, default_scenarios
from bench.services import BENCH_ES_PORT, Elasticsearch, Postgres

QUICK_PRODUCTS = 2_000
FULL_PRODUCTS = 100_000
FULL_IMPORT_ROWS = 100_000
QUICK_IMPORT_ROWS = 5_000  # at most; --quick's catalog size when that is smaller


def parse(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--products", type=int, help=f"catalog size (default {FULL_PRODUCTS:,})")
    parser.add_argument("--quick", action="store_true", help="small catalog, a few seconds per scenario")
    parser.add_argument("--postgres", action="store_true", help="also run the write path on PostgreSQL")
    parser.add_argument(
        "--scenarios", help="comma-separated subset, in order (default: all; sync_workers only with --postgres)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="where the JSON goes")
    parser.add_argument(
        "--elasticsearch-url",
        help=f"use this node (or these, comma-separated) instead of a managed one on port {BENCH_ES_PORT}",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help=f"a managed cluster of this many nodes on port {BENCH_ES_PORT} and the next (512 MiB heap each); "
        "the indices get a replica of each shard",
    )
    parser.add_argument("--seconds", type=float, help="length of each timed measurement (default 10; quick 1)")
    parser.add_argument("--repetitions", type=int, help="bursts per measurement (default 5; quick 2)")
    parser.add_argument(
        "--profile", type=Path, help="write profiles here: pyinstrument of this process, py-spy of `catalog serve`"
    )
    parser.add_argument(
        "--sync-batch-size", type=int, help="batch size of the in-process worker (sync scenario; default: SyncOptions)"
    )
    parser.add_argument("--disorder-events", type=int, help="events replayed by the disorder scenario (100,000)")
    parser.add_argument(
        "--import-rows", type=int, help=f"rows of the import scenario's file (default {FULL_IMPORT_ROWS:,})"
    )
    args = parser.parse_args(argv)
    given = args.scenarios or ",".join(default_scenarios(postgres=args.postgres))
    scenarios = tuple(name.strip() for name in given.split(",") if name.strip())
    unknown = [name for name in scenarios if name not in ALL_SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(ALL_SCENARIOS)}")
    products = args.products or (QUICK_PRODUCTS if args.quick else FULL_PRODUCTS)
    return Settings(
        products=products,
        quick=args.quick,
        postgres=args.postgres,
        scenarios=scenarios,
        out=args.out,
        elasticsearch_url=args.elasticsearch_url,
        nodes=args.nodes,
        seconds=args.seconds or (1.0 if args.quick else 10.0),
        repetitions=args.repetitions or (2 if args.quick else 5),
        disorder_events=args.disorder_events or (2_000 if args.quick else 100_000),
        import_rows=args.import_rows or (min(products, QUICK_IMPORT_ROWS) if args.quick else FULL_IMPORT_ROWS),
        profile=args.profile,
        sync_batch_size=args.sync_batch_size,
    )


async def _scenarios(run: Run) -> None:
    for name in run.settings.scenarios:
        module = importlib.import_module(f"bench.scenarios.{name}")
        run.console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            with profiled(run.settings.profile, name):
                await module.run(run)
        except Exception as error:  # one scenario's failure is reported, the others still run
            run.console.print(f"[red]{name} failed[/]: {type(error).__name__}: {error}")
            run.report.skipped.append(Skipped(name, f"failed: {type(error).__name__}: {str(error)[:300]}"))
            run.report.details.setdefault("tracebacks", {})[name] = traceback.format_exc()[-4000:]
        run.report.details.setdefault("scenario_seconds", {})[name] = round(time.perf_counter() - started, 1)


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console(width=None if sys.stdout.isatty() else 200)
    elasticsearch = Elasticsearch(settings.elasticsearch_url, nodes=settings.nodes)
    postgres = Postgres() if settings.postgres else None
    run = Run(settings, console, elasticsearch, postgres)
    try:
        console.log(f"elasticsearch: {elasticsearch.start()}")
        layout = {"elasticsearch_nodes": len(elasticsearch.urls), "replicas": elasticsearch.layout.replicas}
        run.report.settings |= layout
        if postgres is not None:
            postgres.start()
            console.log(f"postgresql: {postgres.cluster.admin_url}")
        asyncio.run(_run(run))
    finally:
        run.close()
        if postgres is not None:
            postgres.stop()
        elasticsearch.stop()
    print_report(run.report, console)
    run.report.write(settings.out)
    console.print(f"results written to {settings.out}")
    return 0


async def _run(run: Run) -> None:
    try:
        await _scenarios(run)
    finally:
        run.close_services()
        await run.delete_indices()


if __name__ == "__main__":
    sys.exit(main())
