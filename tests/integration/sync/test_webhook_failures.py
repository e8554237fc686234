"""Webhook delivery when things go wrong, against real receivers on loopback: a receiver down for longer than the
retry period, targets the SSRF rule refuses, redirects, oversized answers; and a record whose state its
transaction's last record carries, beyond the batch."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.model.commands import RegisterWebhook
from domain.storage.tables import outbox
from domain.storage.webhook_deliveries import DEAD, DELIVERED
from tests.integration.sync.conftest import cli_environment, poll_until, run_cli
from tests.integration.sync.webhooks import (
    SECRET,
    deliveries,
    delivering,
    received_at_least,
    receiving,
    register,
    settled,
)
from tests.integration.sync.workload import Catalog, create_products
from tests.support.webhook_receiver import Received, Receiver, Reply


async def test_a_receiver_down_longer_than_the_retry_period_leaves_a_dead_letter_that_retry_delivers(
    bus: MessageBus, worker_engine: AsyncEngine, database_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    receiver = await Receiver().start()
    await receiver.stop()  # down: its port refuses connections
    async with delivering(worker_engine, retry_period_seconds=0.5):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        [dead] = await settled(worker_engine, DEAD)
        env = cli_environment(database_url, elasticsearch_url, index_prefix)
        listed = await run_cli(env, "webhooks", "deliveries", "--failed")
        async with receiving(Receiver(port=receiver.port)) as back:
            retried = await run_cli(env, "webhooks", "retry", str(dead.id))
            await received_at_least(back, 1)
            [delivered] = await settled(worker_engine, DELIVERED)
    assert dead.attempts >= 2
    assert f"{dead.id:>7}  dead" in listed.stdout, listed.stdout + listed.stderr
    assert (retried.returncode, f"{dead.id:>7}  queued again" in retried.stdout) == (0, True), retried.stderr
    assert back.received[0].json["id"] == dead.event_id
    assert (delivered.id, delivered.attempts) == (dead.id, dead.attempts + 1)


async def test_retry_refuses_a_delivery_that_is_not_dead(
    bus: MessageBus, worker_engine: AsyncEngine, database_url: str, elasticsearch_url: str, index_prefix: str
) -> None:
    async with receiving() as receiver, delivering(worker_engine):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        [delivered] = await settled(worker_engine, DELIVERED)
    env = cli_environment(database_url, elasticsearch_url, index_prefix)
    retried = await run_cli(env, "webhooks", "retry", str(delivered.id), "999999")
    assert retried.returncode == 1
    assert "not queued: it is delivered, not dead" in retried.stderr
    assert "not queued: no such delivery" in retried.stderr


async def test_deliveries_to_a_loopback_address_are_refused_unless_private_targets_are_allowed(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    async with receiving() as receiver:
        await register(bus, receiver, "PRODUCT_CHANGED")  # no precheck on this bus: as if DNS had changed since
        await create_products(bus, Catalog(), 1, stock=0)
        async with delivering(worker_engine, allow_private_targets=False, retry_period_seconds=0.3):
            [dead] = await settled(worker_engine, DEAD)
    assert receiver.received == []
    assert dead.last_error is not None
    assert dead.last_error.startswith("target refused: 127.0.0.1 is a loopback address")


def redirecting(location: str) -> Receiver:
    def answer(request: Received) -> Reply:
        return Reply(204, {}) if request.path == "/moved" else Reply(307, {"location": location})

    return Receiver(answer)


async def test_a_redirect_on_the_endpoints_own_origin_is_followed_with_the_same_signed_body(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    async with receiving(redirecting("/moved")) as receiver, delivering(worker_engine):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        await settled(worker_engine, DELIVERED)
    first, moved = receiver.received
    assert (first.path, moved.path, moved.body) == ("/hooks", "/moved", first.body)
    assert moved.signed_with(SECRET)


async def test_a_redirect_to_another_origin_is_not_followed(bus: MessageBus, worker_engine: AsyncEngine) -> None:
    async with (
        receiving() as elsewhere,
        receiving(redirecting(elsewhere.url)) as receiver,
        delivering(worker_engine, retry_period_seconds=0.3),
    ):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        [dead] = await settled(worker_engine, DEAD)
    assert elsewhere.received == []
    assert dead.last_error == "HTTP 307: a redirect to another origin is not followed"


async def test_an_endless_answer_is_read_only_up_to_the_limit(bus: MessageBus, worker_engine: AsyncEngine) -> None:
    """Without the limit the attempt would read until its timeout; with it, the status is what fails it."""
    endless = Receiver(lambda _request: Reply(500, {}, endless=True))
    async with receiving(endless) as receiver, delivering(worker_engine, max_response_bytes=1024, timeout_seconds=30):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        await poll_until(lambda: _attempted(worker_engine), 60)
    [delivery] = await deliveries(worker_engine)
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500: " + "x" * 200


async def _attempted(engine: AsyncEngine) -> bool:
    return any(d.attempts > 0 for d in await deliveries(engine))


async def test_a_record_without_state_carries_the_state_its_transactions_last_record_has(
    worker_engine: AsyncEngine, bus: MessageBus
) -> None:
    """Two events of one product in one transaction, cut apart by the batch: the first is delivered with the state
    after both (read from the outbox beyond the batch)."""
    async with receiving() as receiver:
        await bus.dispatch(RegisterWebhook(url=receiver.url, events=("STOCK_CHANGED",), secret=SECRET))
        now = datetime.now(UTC)
        state: dict[str, object] = {"id": "p-1", "sku": "S-1", "name": "Chair", "description": None, "brand": None,
                 "category_path": [], "attributes": [], "price": {"amount": "1.00", "currency": "EUR"},
                 "status": "ACTIVE", "on_hand": 7, "reserved": 0, "version": 2,
                 "created_at": now.isoformat(), "updated_at": now.isoformat()}  # fmt: skip
        rows = [
            {"aggregate_version": 1, "event_type": "StockReceived", "state": None},
            {"aggregate_version": 2, "event_type": "StockReceived", "state": state},
        ]
        async with worker_engine.begin() as connection:
            for row in rows:
                common = {"aggregate_type": "product", "aggregate_id": "p-1", "payload": {"sku": "S-1"}}
                await connection.execute(insert(outbox).values(**common, **row, occurred_at=now))
        async with delivering(worker_engine, batch_size=2):  # the registration and the stateless record
            await received_at_least(receiver, 2)
    assert [(e["aggregateVersion"], e["data"]["on_hand"]) for e in receiver.events()] == [(1, 7), (2, 7)]
