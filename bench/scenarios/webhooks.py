"""Webhooks: delivery throughput to a loopback receiver, and delivery lag at a steady write rate.

One webhook registered for STOCK_CHANGED, receiveStock commands over HTTP, a receiver in this process.
Throughput: a backlog of commands is written while no process delivers (`catalog serve` with
CATALOG_WEBHOOKS_DELIVERY=false), then a standalone `catalog sync` delivers it, timed from the first arrival to
the last (at most `CATALOG_WEBHOOKS_MAX_IN_FLIGHT`, 4, requests at once to one endpoint, each aggregate in
order). The limit: as many POSTs of a delivery's size sent straight to the receiver by aiohttp, 4 at a time.
Lag: `catalog serve` delivering in-process, commands at a steady rate, each timed from its answer (the commit) to
its event's arrival; the limit is one POST's round trip.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import time

import aiohttp
import orjson

from api.demo.assortment import purchasable_skus
from api.demo.catalog_data import product
from bench.http import GraphQLClient
from bench.measure import Latencies
from bench.report import Row
from bench.run import Run
from bench.services import Service, catalog_command
from bench.webhook_receiver import TimingReceiver
from domain.storage.migrate import upgrade

RECEIVE_STOCK = """
mutation R($input: ReceiveStockInput!) { receiveStock(input: $input) { ok aggregateId version } }
"""
REGISTER = "mutation W($input: RegisterWebhookInput!) { registerWebhook(input: $input) { ok errors { message } } }"
IN_FLIGHT = 4
LAG_P50_TARGET = 0.25
LAG_P99_TARGET = 1.0
SKUS = 200
SKU_PREFIX = "WH"
WAIT_SECONDS = 300


def _stock_sku(index: int) -> str:
    """A sku stock can be received for: the seeded product's first variant (or its own, without variants)."""
    return _first_purchasable_sku(index % SKUS)


@functools.cache
def _first_purchasable_sku(index: int) -> str:
    return purchasable_skus(product(index, sku_prefix=SKU_PREFIX))[0]


async def _receive(client: GraphQLClient, sku: str) -> tuple[str, int, float]:
    variables = {"input": {"sku": sku, "quantity": 1}}
    result = (await client.execute(RECEIVE_STOCK, variables))["receiveStock"]
    if not result["ok"]:
        raise RuntimeError(f"receiveStock {sku} was refused: {result}")
    return result["aggregateId"], result["version"], time.perf_counter()


async def _backlog(client: GraphQLClient, count: int) -> list[tuple[str, int, float]]:
    """`count` commands, 8 at a time."""
    sent: list[tuple[str, int, float]] = []
    queue = [_stock_sku(i) for i in range(count)]

    async def writer() -> None:
        while queue:
            sent.append(await _receive(client, queue.pop()))

    await asyncio.gather(*(writer() for _ in range(8)))
    return sent


async def _drained(run: Run, service: Service, receiver: TimingReceiver, sent: list[tuple[str, int, float]]) -> float:
    """Deliveries per second of a standalone `catalog sync` working off the backlog, first arrival to last."""
    env = {**service.env, "CATALOG_WEBHOOKS_DELIVERY": "true"}
    command = [*catalog_command(), "sync", "--poll-seconds", "0.02"]
    quiet = asyncio.subprocess.DEVNULL
    worker = await asyncio.create_subprocess_exec(*command, env=env, stdout=quiet, stderr=quiet)
    try:
        await _arrived(receiver, sent)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(worker.wait(), 30)
        except TimeoutError:
            worker.kill()
            await worker.wait()
    times = sorted(receiver.arrived[(key, version)] for key, version, _ in sent)
    run.console.log(f"webhooks: {len(times):,} delivered in {times[-1] - times[0]:.1f}s")
    return (len(times) - 1) / (times[-1] - times[0])


async def _steady(client: GraphQLClient, receiver: TimingReceiver, rate: float, seconds: float) -> Latencies:
    tasks: list[asyncio.Task[tuple[str, int, float]]] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        tasks.append(asyncio.create_task(_receive(client, _stock_sku(len(tasks)))))
        await asyncio.sleep(max(0.0, started + len(tasks) / rate - time.perf_counter()))
    sent = await asyncio.gather(*tasks)
    await _arrived(receiver, sent)
    lags = [receiver.arrived[(key, version)] - committed for key, version, committed in sent]
    return Latencies(samples=lags, wall=time.perf_counter() - started)


async def _arrived(receiver: TimingReceiver, sent: list[tuple[str, int, float]]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while any((key, version) not in receiver.arrived for key, version, _ in sent):
            receiver.arrival.clear()
            await receiver.arrival.wait()


async def _raw_posts(receiver: TimingReceiver, count: int) -> Latencies:
    """The limit: `count` POSTs of a delivery's size straight to the receiver, IN_FLIGHT at a time."""
    trips = Latencies()
    remaining = list(range(count))
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as session:

        async def poster() -> None:
            while remaining:
                body = _limit_body(remaining.pop())
                started = time.perf_counter()
                async with session.post(receiver.url, data=body, headers=headers) as response:
                    await response.read()
                trips.samples.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(IN_FLIGHT)))
        trips.wall = time.perf_counter() - started
    return trips


def _limit_body(i: int) -> bytes:
    """About the size of a delivery carrying a product's document."""
    data = {"id": f"limit-{i}", "sku": "WH-00000", "description": "x" * 1500, "version": i}
    return orjson.dumps(
        {"id": f"limit-{i}", "type": "STOCK_CHANGED", "aggregateId": "limit", "aggregateVersion": i, "data": data}
    )


async def _backend(run: Run, backend: str, database_url: str) -> None:
    settings = run.settings
    run.seed(database_url, SKUS, label=f"{SKUS} products for webhooks on {backend}", sku_prefix=SKU_PREFIX)
    receiver = TimingReceiver()
    await receiver.start()
    prefix = run.prefix(f"webhooks-{backend}")
    count = 300 if settings.quick else 5_000
    rate = 20.0 if settings.quick else 100.0
    seconds = max(3.0 if settings.quick else 20.0, settings.seconds * settings.repetitions)
    try:
        quiet = run.service(
            database_url, prefix, CATALOG_WEBHOOKS_DELIVERY="false", CATALOG_WEBHOOKS_ALLOW_PRIVATE_TARGETS="true"
        )
        client = GraphQLClient(quiet.url, quiet.token("inventory:write", "webhooks:manage"))
        registration = {"url": receiver.url, "events": ["STOCK_CHANGED"], "secret": "bench-webhook-secret-0123"}
        assert (await client.execute(REGISTER, {"input": registration}))["registerWebhook"]["ok"]
        run.console.log(f"webhooks: a backlog of {count:,} deliveries on {backend}")
        ours_rate = await _drained(run, quiet, receiver, await _backlog(client, count))
        await client.close()
        run.stop_service(quiet)
        limit = await _raw_posts(receiver, count)
        delivering = run.service(database_url, prefix, CATALOG_WEBHOOKS_ALLOW_PRIVATE_TARGETS="true")
        client = GraphQLClient(delivering.url, delivering.token("inventory:write"))
        run.console.log(f"webhooks: {rate:.0f} commands/s for {seconds:.0f}s on {backend}")
        lag = await _steady(client, receiver, rate, seconds)
        await client.close()
    finally:
        run.close_services()
        await receiver.stop()
    note = f"{count:,} deliveries, {IN_FLIGHT} in flight; lag at {rate:.0f}/s over {len(lag.samples):,} events"
    run.report.rows += [
        Row("webhooks", f"deliveries/s ({backend})", "1/s", ours_rate, limit.throughput, None, "higher", note=note),
        Row("webhooks", f"commit→delivered p50 ({backend})", "s", lag.p50, limit.p50, LAG_P50_TARGET,
            target_on="value"),
        Row("webhooks", f"commit→delivered p99 ({backend})", "s", lag.p99, limit.p99, LAG_P99_TARGET,
            target_on="value"),
    ]  # fmt: skip


async def run(run: Run) -> None:
    await _backend(run, "sqlite", run.sqlite_url("webhooks"))
    if run.postgres is not None:
        database_url = run.postgres.new_database("bench_webhooks")
        upgrade(database_url)
        await _backend(run, "postgres", database_url)
