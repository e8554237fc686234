"""`python -m bench.bus_only [N]`: the SQLite write path without HTTP, to locate the write-path gap.

Runs N createProduct commands through the real `MessageBus` and `SqlUnitOfWork` three ways, on fresh SQLite
files: as the service does (async engine, aiosqlite), with the unit of work on a synchronous pysqlite connection
driven from the event loop (a sketch of the proposed fix: SQLite calls take microseconds, a thread hop per call
costs far more), and the raw Core inserts of the same rows. Prints commands/s and CPU per command.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine

from bench import catalog
from bench.rows import insert_rows, product_rows
from domain.bus import MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.storage import engine as engines
from domain.storage.migrate import upgrade
from domain.storage.unit_of_work import SqlUnitOfWorkFactory

WARMUP = 200


class _LoopConnection:
    """The slice of AsyncConnection the unit of work and repositories use, over a synchronous connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect

    async def begin(self) -> None:
        self._connection.begin()

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._connection.execute(statement, parameters)

    async def commit(self) -> None:
        self._connection.commit()

    async def close(self) -> None:
        self._connection.close()


class _LoopEngine:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def connect(self) -> _LoopConnection:
        return _LoopConnection(self._engine.connect())


def _sync_engine(url: str) -> Engine:
    engine = create_engine(
        engines._with_driver(url, engines.SYNC_DRIVERS),
        json_serializer=engines._json_dumps,
        json_deserializer=orjson.loads,
    )
    engines._tune_sqlite(engine, immediate=True)
    return engine


async def _timed(label: str, count: int, step: Callable[[int], Awaitable[None]]) -> None:
    for i in range(WARMUP):
        await step(i)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(WARMUP, WARMUP + count):
        await step(i)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<48} {count / wall:8.0f} commands/s  {cpu / count * 1000:6.2f} ms CPU each")


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="catalog-bus-") as scratch:
        await _compare(Path(scratch), count)


async def _compare(directory: Path, count: int) -> None:
    commands = list(catalog.products(0, count + WARMUP, sku_prefix="BUS"))

    url = f"sqlite:///{directory / 'async.db'}"
    upgrade(url)
    async_engine = engines.create_async(url)
    bus = MessageBus(SqlUnitOfWorkFactory(async_engine, serialize_writes=True), COMMAND_HANDLERS)

    async def as_served(i: int) -> None:
        await bus.dispatch(commands[i])

    await _timed("bus, async engine (aiosqlite), as served", count, as_served)
    await async_engine.dispose()

    url = f"sqlite:///{directory / 'loop.db'}"
    upgrade(url)
    loop_engine = _sync_engine(url)
    factory = SqlUnitOfWorkFactory(_LoopEngine(loop_engine), serialize_writes=True)  # type: ignore[arg-type]
    loop_bus = MessageBus(factory, COMMAND_HANDLERS)

    async def on_loop(i: int) -> None:
        await loop_bus.dispatch(commands[i])

    await _timed("bus, pysqlite connection on the event loop", count, on_loop)
    loop_engine.dispose()

    url = f"sqlite:///{directory / 'raw.db'}"
    upgrade(url)
    raw_engine = engines.create_sync(url)
    rows = [product_rows([command], stock=0) for command in commands]

    async def raw(i: int) -> None:
        insert_rows(raw_engine, rows[i])

    await _timed("raw Core inserts of the same rows (the limit)", count, raw)
    raw_engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000))
