"""Webhooks over HTTP: registering, listing and removing them (scope webhooks:manage), the SSRF refusals, and a
hanging receiver that does not slow the index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from api.settings import Settings
from read_index.indices import WEBHOOKS, alias_name
from tests.integration.api.conftest import Api, open_api, product_input
from tests.support.webhook_receiver import Receiver

pytestmark = pytest.mark.elasticsearch

MANAGER = ("webhooks:manage",)
SECRET = "a-secret-between-the-two-of-us"
WEBHOOKS_QUERY = "query($t: String) { webhooks(consistencyToken: $t) { id url events active createdAt } }"
PRODUCT_QUERY = "query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id sku } }"


def registration(url: str = "https://erp.example.com/hooks", **overrides: Any) -> dict[str, Any]:
    return {"url": url, "events": ["ORDER_PLACED", "STOCK_CHANGED"], "secret": SECRET, **overrides}


async def test_a_registered_webhook_is_listed_without_its_secret_and_a_removed_one_as_inactive(
    make_settings: Callable[..., Settings], es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    async with open_api(make_settings(webhooks_allow_private_targets=True)) as api:
        token = api.token(*MANAGER)
        registration_url = "http://127.0.0.1:9/hooks"
        registered = await api.command("registerWebhook", registration(registration_url), token)
        listed = await api.graphql(WEBHOOKS_QUERY, {"t": registered["consistencyToken"]}, token)
        removed = await api.command("removeWebhook", {"webhookId": registered["aggregateId"]}, token)
        after = await api.graphql(WEBHOOKS_QUERY, {"t": removed["consistencyToken"]}, token)
    [webhook] = listed["data"]["webhooks"]
    assert (webhook["id"], webhook["url"], webhook["active"]) == (
        registered["aggregateId"],
        "http://127.0.0.1:9/hooks",
        True,
    )
    assert webhook["events"] == ["STOCK_CHANGED", "ORDER_PLACED"]
    assert [w["active"] for w in after["data"]["webhooks"]] == [False]
    document = await es_client.get(index=alias_name(index_prefix, WEBHOOKS), id=registered["aggregateId"])
    assert SECRET not in str(document.body)


async def test_listing_webhooks_needs_the_webhooks_manage_scope(api: Api) -> None:
    refused = await api.graphql(WEBHOOKS_QUERY, {}, api.token("catalog:write", "orders:read"))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://10.0.0.5/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "https://user:password@erp.example.com/hooks",
        "ftp://erp.example.com/hooks",
        "file:///etc/passwd",
    ],
)
async def test_a_webhook_to_a_loopback_private_or_metadata_address_or_with_credentials_is_refused(
    api: Api, url: str
) -> None:
    result = await api.command("registerWebhook", registration(url), api.token(*MANAGER))
    assert (result["ok"], [(e["code"], e["field"]) for e in result["errors"]]) == (False, [("VALIDATION", "url")])
    assert await api.outbox_rows() == 0


async def test_a_hanging_receiver_does_not_slow_the_index(make_settings: Callable[..., Settings]) -> None:
    """Every delivery hangs until its attempt times out (a minute); meanwhile writes keep being indexed and a read
    with their consistency token answers within its bound (or it would fail with CONFLICT)."""
    hanging = await Receiver(lambda _request: None).start()
    settings = make_settings(
        webhooks_allow_private_targets=True, webhooks_timeout_seconds=60, consistency_timeout_seconds=5
    )
    try:
        async with open_api(settings) as api:
            manager = api.token(*MANAGER)
            events = {"events": ["PRODUCT_CHANGED", "STOCK_CHANGED"]}
            assert (await api.command("registerWebhook", registration(hanging.url, **events), manager))["ok"]
            for i in range(10):
                created = await api.command("createProduct", product_input(f"HANG-{i}"))
                body = await api.graphql(
                    PRODUCT_QUERY, {"id": created["aggregateId"], "t": created["consistencyToken"]}
                )
                assert body == {"data": {"product": {"id": created["aggregateId"], "sku": f"HANG-{i}"}}}
            assert hanging.received  # deliveries were attempted, and hung
    finally:
        await hanging.stop()
