"""`python -m bench.bus_only [N] [--postgres] [--concurrency C]`: the write path without HTTP, to locate the gap.

Runs N createProduct commands, then N placeOrder commands (1 to 3 lines), through the real `MessageBus` and
`SqlUnitOfWorkFactory`, against the raw Core statements of the same rows, on fresh databases; C commands in
flight at a time (default 1). On SQLite it also runs the bus on aiosqlite, one thread hop per SQL call, as the
service did before the writer thread (`sqlite_writer.SqliteWriter`). Prints commands/s and CPU per command of this
process (and, with --postgres, of the PostgreSQL server).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from api.demo import catalog_data as catalog
from api.demo.assortment import purchasable_skus
from bench.rows import Rows, insert_rows, known_products, product_rows
from bench.scenarios.write import RawOrder, RawWriter, _order_lines
from bench.services import Postgres
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.commands import OrderLineRequest, PlaceOrder, ReceiveStock
from domain.storage import engine as engines
from domain.storage.migrate import upgrade
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

WARMUP = 200
SEEDED = 500
Step = Callable[[int], Awaitable[None]]


async def _timed(label: str, count: int, concurrency: int, step: Step, server: Callable[[], float]) -> None:
    async def worker(indices: range) -> None:
        for i in indices:
            await step(i)

    async def burst(start: int, stop: int) -> None:
        await asyncio.gather(*(worker(range(start + k, stop, concurrency)) for k in range(concurrency)))

    await burst(0, WARMUP)
    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), server()
    await burst(WARMUP, WARMUP + count)
    wall, cpu, server_cpu = time.perf_counter() - wall, time.process_time() - cpu, server() - server_cpu
    server_note = f"  server {server_cpu / count * 1000:5.2f} ms" if server_cpu else ""
    print(f"{label:<58} {count / wall:7.0f}/s  CPU {cpu / count * 1000:5.2f} ms each{server_note}", flush=True)


class Backend:
    def __init__(self, new_url: Callable[[str], str], server_cpu: Callable[[], float]) -> None:
        self.new_url = new_url
        self.server_cpu = server_cpu
        self._databases = 0

    def database(self) -> str:
        self._databases += 1
        url = self.new_url(f"bus{self._databases}")
        upgrade(url)
        return url


async def _seed_stock(bus: MessageBus, count: int) -> list[str]:
    skus = []
    for command in catalog.products(0, count, sku_prefix="SEED"):
        await bus.dispatch(command)
        for sku in purchasable_skus(command):
            await bus.dispatch(ReceiveStock(sku=sku, quantity=1_000_000))
            skus.append(sku)
    return skus


async def _ours(label: str, backend: Backend, count: int, concurrency: int, *, serialize: bool) -> None:
    url = backend.database()
    engine: AsyncEngine = engines.create_async(url)
    factory = SqlUnitOfWorkFactory(engine, serialize_writes=serialize)
    bus = MessageBus(factory, COMMAND_HANDLERS)
    commands = list(catalog.products(0, count + WARMUP, sku_prefix="BUS"))
    skus = await _seed_stock(bus, SEEDED)
    rng = random.Random(7)
    orders = [
        PlaceOrder(
            customer_id="c1", lines=tuple(OrderLineRequest(sku=s, quantity=q) for s, q in _order_lines(rng, skus))
        )
        for _ in range(count + WARMUP)
    ]

    async def create(i: int) -> None:
        await bus.dispatch(commands[i])

    async def place(i: int) -> None:
        await bus.dispatch(orders[i])

    await _timed(f"createProduct, {label}", count, concurrency, create, backend.server_cpu)
    await _timed(f"placeOrder, {label}", count, concurrency, place, backend.server_cpu)
    factory.close()
    await engine.dispose()


async def _raw(backend: Backend, count: int, concurrency: int) -> None:
    url = backend.database()
    seed = engines.create_sync(url)
    insert_rows(seed, product_rows(catalog.products(0, SEEDED, sku_prefix="SEED")))
    with seed.connect() as connection:
        known = known_products(connection, SEEDED)
    seed.dispose()
    raw = RawWriter(url, known)
    rows: list[Rows] = raw.create_rows(list(catalog.products(0, count + WARMUP, sku_prefix="RAW")))
    rng = random.Random(7)
    orders: list[RawOrder] = [raw.order_rows(_order_lines(rng, list(known))) for _ in range(count + WARMUP)]
    sync_engine: Engine | None = raw.sync_engine

    async def create(i: int) -> None:
        if sync_engine is None:
            await raw.insert_async(rows[i])
        else:
            raw.insert_sync(rows[i])

    async def place(i: int) -> None:
        if sync_engine is None:
            await raw.place_async(orders[i])
        else:
            raw.place_sync(orders[i])

    limit_concurrency = concurrency if sync_engine is None else 1
    await _timed("createProduct, raw Core (the limit)", count, limit_concurrency, create, backend.server_cpu)
    await _timed("placeOrder, raw Core (the limit)", count, limit_concurrency, place, backend.server_cpu)
    await raw.close()


async def _compare(backend: Backend, count: int, concurrency: int, sqlite: bool) -> None:
    await _ours("bus, as served", backend, count, concurrency, serialize=sqlite)
    if sqlite:
        await _ours("bus on aiosqlite, a thread hop per SQL call", backend, count, concurrency, serialize=False)
    await _raw(backend, count, concurrency)


async def main(count: int, concurrency: int, postgres: bool) -> None:
    if postgres:
        cluster = Postgres()
        cluster.start()
        try:
            backend = Backend(cluster.new_database, cluster.cpu_seconds)
            await _compare(backend, count, concurrency, sqlite=False)
        finally:
            cluster.stop()
        return
    with tempfile.TemporaryDirectory(prefix="catalog-bus-") as scratch:
        directory = Path(scratch)
        backend = Backend(lambda name: f"sqlite:///{directory / name}.db", lambda: 0.0)
        await _compare(backend, count, concurrency, sqlite=True)


def _arguments() -> Any:
    parser = argparse.ArgumentParser(prog="python -m bench.bus_only", description=__doc__)
    parser.add_argument("count", type=int, nargs="?", default=2_000, help="commands of each kind (default 2000)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster instead of SQLite")
    parser.add_argument("--concurrency", type=int, default=1, help="commands in flight at a time (default 1)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    asyncio.run(main(arguments.count, arguments.concurrency, arguments.postgres))
