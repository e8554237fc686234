"""`python -m bench.ab [--base REV] [--bulk ROWS] [--postgres]`: `catalog serve` at REV against the working tree,
side by side, on commands.

Each side runs from its own source tree (REV is exported with `git archive` into a temporary directory; both use
this environment's packages) on a fresh write model (SQLite; with `--postgres`, a database each on a throwaway
PostgreSQL cluster), with the sync worker off, against one Elasticsearch node. Bursts of `--burst` createProduct
mutations from `--concurrency` clients (with `--bulk ROWS`: bulkCreateProducts requests of ROWS rows each, the
bulk scenario's load) alternate between the two (the order flips every round, the first round is a warm-up),
and the medians of rows/s and of the serving process's CPU per row are printed with their ratio. This is how a
change to the write path is measured before and after on a machine whose speed drifts: both sides see the same
drift.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from api.demo import catalog_data as catalog
from bench.http import GraphQLClient
from bench.load import closed_loop
from bench.queries import CREATE_PRODUCT
from bench.scenarios.bulk import BULK_CREATE
from bench.scenarios.write import create_input
from bench.services import Elasticsearch, Postgres, Service
from domain.storage.migrate import upgrade

REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass
class Side:
    name: str
    service: Service
    bodies: Iterator[bytes]
    operation: str
    rows_per_request: int
    client: GraphQLClient | None = None
    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def export_tree(revision: str, into: Path) -> Path:
    """The source tree at `revision`, as files (no checkout of this repository changes)."""
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", "--format=tar", revision], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def _side(name: str, tree: Path, database: str, elasticsearch_url: str, *, requests: int, rows: int) -> Side:
    """`rows`: rows per bulkCreateProducts request; 0, single createProduct mutations."""
    upgrade(database)
    service = Service(database, elasticsearch_url, f"ab-{name}", sync_in_process=False, cwd=tree)
    commands = list(catalog.products(0, requests * max(rows, 1), sku_prefix=f"AB{name.upper()}"))
    if not rows:
        bodies = [GraphQLClient.body(CREATE_PRODUCT, create_input(command)) for command in commands]
        return Side(name, service, iter(bodies), "createProduct", 1)
    inputs = [create_input(command)["input"] for command in commands]
    bodies = [GraphQLClient.body(BULK_CREATE, {"inputs": inputs[at : at + rows]}) for at in range(0, len(inputs), rows)]
    return Side(name, service, iter(bodies), "bulkCreateProducts", rows)


async def _burst(side: Side, size: int, concurrency: int) -> None:
    client = side.client
    assert client is not None

    async def create(_: int) -> None:
        await client.command(next(side.bodies), side.operation)

    cpu = side.service.cpu_seconds()
    burst = await closed_loop(create, concurrency, seconds=math.inf, max_ops=size)
    rows = len(burst.samples) * side.rows_per_request
    side.rates.append(rows / burst.wall)
    side.cpu_ms.append((side.service.cpu_seconds() - cpu) * 1000 / rows)


async def compare(sides: list[Side], rounds: int, size: int, concurrency: int) -> None:
    for side in sides:
        side.client = GraphQLClient(side.service.url, side.service.token("catalog:write"))
    try:
        for round_number in range(rounds + 1):
            order = sides if round_number % 2 else list(reversed(sides))
            for side in order:
                await _burst(side, size, concurrency)
                if round_number == 0:  # warm-up
                    side.rates.clear()
                    side.cpu_ms.clear()
    finally:
        for side in sides:
            if side.client is not None:
                await side.client.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="revision to compare the working tree against (HEAD)")
    parser.add_argument("--rounds", type=int, default=6, help="measured bursts per side (6)")
    parser.add_argument("--burst", type=int, default=1600, help="requests per burst (1600)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in flight (16)")
    parser.add_argument("--bulk", type=int, default=0, metavar="ROWS", help="bulkCreateProducts of ROWS rows a request")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster instead of SQLite")
    parser.add_argument("--elasticsearch-url", help="use this node instead of the managed bench node")
    args = parser.parse_args()
    requests = (args.rounds + 1) * args.burst
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="catalog-ab-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        elasticsearch = Elasticsearch(args.elasticsearch_url)
        stack.callback(elasticsearch.stop)
        url = elasticsearch.start()
        if args.postgres:
            postgres = Postgres()
            stack.callback(postgres.stop)
            postgres.start()
        database = postgres.new_database if args.postgres else (lambda name: f"sqlite:///{workdir / name}.db")
        base_tree = export_tree(args.base, Path(tempfile.mkdtemp(prefix="base-", dir=workdir)))
        sides = [
            _side(name, tree, database(f"ab_{name}"), url, requests=requests, rows=args.bulk)
            for name, tree in (("base", base_tree), ("work", REPOSITORY))
        ]
        for side in sides:
            side.service.start()
            stack.callback(side.service.stop)
        asyncio.run(compare(sides, args.rounds, args.burst, args.concurrency))
    base, work = sides
    unit, per = ("rows", "row") if args.bulk else ("commands", "command")
    for side in sides:
        rates = ", ".join(f"{rate:,.0f}" for rate in side.rates)
        print(
            f"{side.name:>4} ({args.base if side is base else 'working tree'}): {side.operation} {unit}/s {rates}; "
            f"median {statistics.median(side.rates):,.0f}/s, {statistics.median(side.cpu_ms):.3f} ms CPU per {per}"
        )
    print(
        f"work / base: {statistics.median(work.rates) / statistics.median(base.rates):.3f} of the {unit}/s, "
        f"{statistics.median(work.cpu_ms) / statistics.median(base.cpu_ms):.3f} of the CPU per {per}"
    )


if __name__ == "__main__":
    main()
