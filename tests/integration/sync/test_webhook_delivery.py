"""Webhook delivery against real receivers on loopback, on SQLite and PostgreSQL: what a delivery carries and how it
is signed, what is delivered to whom, retries, order per aggregate, dead letters."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.model.commands import ChangeProductPrice, RemoveWebhook
from domain.storage.webhook_deliveries import DELIVERED
from tests.integration.sync.conftest import poll_until
from tests.integration.sync.webhooks import (
    SECRET,
    delivered_records,
    deliveries,
    delivering,
    expected_records,
    received_at_least,
    receiving,
    register,
    settled,
)
from tests.integration.sync.workload import Catalog, create_products
from tests.support.webhook_receiver import Received, Receiver


async def test_a_delivery_carries_the_event_and_its_signature_verifies_with_the_endpoints_secret(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    async with receiving() as receiver, delivering(worker_engine):
        await register(bus, receiver, "PRODUCT_CHANGED")
        catalog = Catalog()
        await create_products(bus, catalog, 1, stock=0)
        await received_at_least(receiver, 1)
    [request] = receiver.received
    body = request.json
    product_id, _ = catalog.products["P-00000"]
    assert request.signed_with(SECRET)
    assert not request.signed_with(SECRET + "-not")
    assert request.headers["x-catalog-event"] == body["type"] == "PRODUCT_CHANGED"
    assert request.headers["x-catalog-delivery"] == body["id"]
    assert (body["aggregateId"], body["aggregateVersion"], body["event"]) == (product_id, 1, "ProductCreated")
    assert (body["data"]["id"], body["data"]["sku"], body["change"]["sku"]) == (product_id, "P-00000", "P-00000")
    assert "search" not in body["data"]


async def test_each_record_of_a_subscribed_event_is_delivered_and_nothing_else(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    async with receiving() as receiver, delivering(worker_engine):
        await register(bus, receiver, "STOCK_CHANGED")
        await create_products(bus, Catalog(), 3, stock=5)
        expected = await expected_records(worker_engine, "STOCK_CHANGED")
        await received_at_least(receiver, len(expected))
    assert sorted(delivered_records(receiver)) == sorted(expected)
    assert len(expected) == 3


async def test_a_webhook_receives_only_what_was_committed_after_its_registration(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 2, stock=0)
    async with receiving() as receiver:
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, catalog, 1, stock=0)
        async with delivering(worker_engine):  # starts behind all of it
            await received_at_least(receiver, 1)
    assert [event["data"]["sku"] for event in receiver.events()] == ["P-00002"]


async def test_a_receiver_failing_its_first_three_attempts_gets_the_event_on_the_fourth(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    answers = iter([503, 500, 429])
    async with receiving(Receiver(lambda _request: next(answers, 200))) as receiver, delivering(worker_engine):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, Catalog(), 1, stock=0)
        [delivery] = await settled(worker_engine, DELIVERED)
    assert [request.headers["x-catalog-attempt"] for request in receiver.received] == ["1", "2", "3", "4"]
    assert len({request.body for request in receiver.received}) == 1  # the same event id, the same signature
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DELIVERED, 4, 200)


async def test_a_failing_delivery_holds_back_only_the_later_deliveries_of_its_own_aggregate(
    bus: MessageBus, worker_engine: AsyncEngine
) -> None:
    catalog = Catalog()
    answered: list[tuple[str, int, int]] = []

    def answer(request: Received) -> int:
        """P-00000's first event fails until P-00001's second one has arrived."""
        event = request.json
        key = (event["data"]["sku"], event["aggregateVersion"])
        status = 503 if key == ("P-00000", 1) and ("P-00001", 2, 204) not in answered else 204
        answered.append((*key, status))
        return status

    async with receiving(Receiver(answer)) as receiver, delivering(worker_engine):
        await register(bus, receiver, "PRODUCT_CHANGED")
        await create_products(bus, catalog, 2, stock=0)
        for product_id, _ in catalog.products.values():
            await bus.dispatch(ChangeProductPrice(product_id=product_id, price_amount="99.00", price_currency="EUR"))

        async def last_one_acknowledged() -> bool:
            return ("P-00000", 2, 204) in answered

        await poll_until(last_one_acknowledged, 30)
    acknowledged = [(sku, version) for sku, version, status in answered if status == 204]
    assert acknowledged.index(("P-00001", 2)) < acknowledged.index(("P-00000", 1)) < acknowledged.index(("P-00000", 2))
    assert ("P-00000", 1, 503) in answered  # it did fail while the other product's events went through


async def test_a_removed_webhook_gets_nothing_more(bus: MessageBus, worker_engine: AsyncEngine) -> None:
    catalog = Catalog()
    async with receiving() as receiver, delivering(worker_engine):
        webhook = await register(bus, receiver, "PRODUCT_CHANGED")
        kept = await register(bus, receiver, "PRODUCT_CHANGED", secret=SECRET + "-2")
        await bus.dispatch(RemoveWebhook(webhook_id=webhook))
        await create_products(bus, catalog, 2, stock=0)
        await received_at_least(receiver, 2)
    assert all(request.signed_with(SECRET + "-2") for request in receiver.received)
    assert {d.webhook_id for d in await deliveries(worker_engine)} == {kept}
