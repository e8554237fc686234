"""A load model for docs/scaling.md: what a workload needs from each part of the design, computed from
per-operation costs measured on the development machine (docs/performance.md names each measurement).

    python -m bench.load_model                      # the table in docs/scaling.md
    python -m bench.load_model --products 10000000 --writes-per-second 500 --searches-per-second 200

It is arithmetic, not a simulation of queues: every line is a rate times a measured cost, plus the headroom a
part needs to catch up after an outage. What it cannot know (network, disks, a cluster's coordination) is left
out and said so in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class MeasuredCosts:
    """CPU milliseconds per operation and bytes per record, measured on the 2-core development machine."""

    # `catalog serve` per command, fast path (finding 16: 0.64 ms per createProduct)
    service_ms_per_command: float = 0.64
    # PostgreSQL per createProduct (finding 3: 0.67 ms, measured beside the service)
    postgres_ms_per_command: float = 0.67
    # sync worker per outbox event, in order / shuffled (finding 19: 0.052 / 0.071 ms): the worse one
    worker_ms_per_event: float = 0.071
    # Elasticsearch per indexed event on one copy, in order / shuffled (finding 19: 0.049 / 0.080 ms)
    elasticsearch_ms_per_event_copy: float = 0.080
    # one worker partition's throughput from a backlog, one bulk in flight (round 6: 10 500 docs/s)
    events_per_second_per_partition: float = 10_500
    # `catalog serve` per searchProducts and per product(id) (finding 4: ~3 ms; ~0.5 ms)
    service_ms_per_search: float = 3.0
    service_ms_per_product_read: float = 0.5
    # Elasticsearch per product(id) GET (finding 4: 0.44 ms)
    elasticsearch_ms_per_product_read: float = 0.44
    # Elasticsearch per search, split by what it grows with (scale rows and docs/scaling.md "Search"):
    # fixed per request, fixed per shard searched, and per document the request's filters match
    elasticsearch_ms_per_search: float = 3.9
    elasticsearch_ms_per_shard_searched: float = 2.1
    elasticsearch_ms_per_million_matched: float = 23.7
    # bytes: an outbox row with its indexes, a product in the write model (three variants on average),
    # a product document in the primary shards after merging (PostgreSQL and Elasticsearch size queries)
    outbox_bytes_per_event: int = 1_965
    write_model_bytes_per_product: int = 2_750
    index_bytes_per_product: int = 1_260


@dataclass(frozen=True, slots=True)
class Workload:
    products: int = 100_000_000
    writes_per_second: float = 5_000
    # outbox events a command appends on average (an order: OrderPlaced and a StockReserved per line)
    events_per_command: float = 1.5
    searches_per_second: float = 2_000
    product_reads_per_second: float = 10_000
    # the share of the catalog a typical search's filters match: the benchmark's search (eight brands of
    # twenty-four) matches a third; a category page matches about a hundredth
    search_match_share: float = 0.01
    replicas: int = 1
    # a part may run at most this share of its cores at the peak, the rest is for catching up after outages
    utilisation: float = 0.5
    # hours an outbox row is kept once every subscription has applied it: longer than the longest rebuild,
    # which copies the write model and then replays the outbox from the copy's start
    outbox_retention_hours: float = 24
    shard_bytes: int = 30 * 2**30


@dataclass(frozen=True, slots=True)
class Line:
    part: str
    sizing: str
    basis: str


def _cores(ms_per_second: float, utilisation: float) -> int:
    return max(1, math.ceil(ms_per_second / 1000 / utilisation))


def _size(nbytes: float) -> str:
    """In GiB always, so sizes of two plans compare by their numbers."""
    return f"{nbytes / 2**30:,.0f} GiB"


def shards_for(workload: Workload, costs: MeasuredCosts) -> int:
    return max(1, math.ceil(workload.products * costs.index_bytes_per_product / workload.shard_bytes))


def search_ms(workload: Workload, costs: MeasuredCosts, shards: int) -> float:
    """Elasticsearch CPU for one search across all shards."""
    matched_millions = workload.products * workload.search_match_share / 1e6
    return (
        costs.elasticsearch_ms_per_search
        + shards * costs.elasticsearch_ms_per_shard_searched
        + matched_millions * costs.elasticsearch_ms_per_million_matched
    )


def plan(workload: Workload, costs: MeasuredCosts | None = None) -> list[Line]:
    costs = costs or MeasuredCosts()
    w, c, u = workload, costs, workload.utilisation
    events = w.writes_per_second * w.events_per_command
    copies = 1 + w.replicas
    shards = shards_for(w, c)
    one_search = search_ms(w, c, shards)
    partitions = max(1, math.ceil(events / (c.events_per_second_per_partition * u)))
    partitions = 2 ** math.ceil(math.log2(partitions))
    outbox_per_day = events * 86_400 * c.outbox_bytes_per_event
    api = w.writes_per_second * c.service_ms_per_command
    api += w.searches_per_second * c.service_ms_per_search + w.product_reads_per_second * c.service_ms_per_product_read
    es_reads = w.searches_per_second * one_search + w.product_reads_per_second * c.elasticsearch_ms_per_product_read
    es_writes = events * c.elasticsearch_ms_per_event_copy * copies
    return [
        Line(
            "API (`catalog serve`)",
            f"{_cores(api, u)} cores",
            "commands, searches and by-id reads x the service's CPU each",
        ),
        Line(
            "PostgreSQL CPU",
            f"{_cores(w.writes_per_second * c.postgres_ms_per_command, u)} cores",
            "commands x PostgreSQL's CPU per command",
        ),
        Line(
            "PostgreSQL storage",
            f"{_size(w.products * c.write_model_bytes_per_product)} write model; outbox "
            f"{_size(outbox_per_day)}/day, {_size(outbox_per_day * w.outbox_retention_hours / 24)} kept",
            f"{events:,.0f} events/s x {c.outbox_bytes_per_event} B, kept {w.outbox_retention_hours:g} h once applied",
        ),
        Line(
            "Sync partitions",
            f"{partitions} partitions at least, {_cores(events * c.worker_ms_per_event, u)} worker cores",
            f"{events:,.0f} events/s against {c.events_per_second_per_partition:,.0f}/s per partition at "
            f"{u:.0%} (a power of two, so repartitioning halves or doubles)",
        ),
        Line(
            "Elasticsearch shards",
            f"{shards} primaries x {copies} copies, {_size(w.products * c.index_bytes_per_product * copies)}",
            f"{w.products:,} products x {c.index_bytes_per_product} B, at most {_size(w.shard_bytes)} a shard",
        ),
        Line(
            "Elasticsearch CPU",
            f"{_cores(es_reads + es_writes, u)} cores ({one_search:,.0f} ms a search)",
            f"searches matching {w.search_match_share * 100:g}% of the catalog across {shards} shards, by-id reads, "
            f"indexing on {copies} copies",
        ),
    ]


def markdown(lines: list[Line]) -> str:
    rows = ["| part | needs | from |", "|---|---|---|"]
    rows += [f"| {line.part} | {line.sizing} | {line.basis} |" for line in lines]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_model", description=__doc__.split("\n\n")[0])
    defaults = Workload()
    for field in fields(Workload):
        kind = {"int": int, "float": float}[str(field.type)]
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=kind, default=getattr(defaults, field.name))
    workload = Workload(**vars(parser.parse_args(argv)))
    print(markdown(plan(workload)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
