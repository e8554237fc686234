"""bulkCreateProducts, bulkReceiveStock and bulkChangeProductPrices over HTTP: rows in order with errors relative
to the row, both error policies, per-row authorization, the row bound, and a token that covers every row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select, update

from api.settings import Settings
from domain.batches import DEFAULT_CHUNK_ROWS
from domain.outbox import ConsistencyToken
from domain.storage.tables import outbox
from sync.worker import SyncWorker
from tests.integration.api.conftest import Api, open_api, product_input
from tests.integration.sync.conftest import FAST

pytestmark = pytest.mark.elasticsearch

RESULT = "{ ok written consistencyToken rows { index ok aggregateId version errors { code field message } } }"


async def bulk(api: Api, mutation: str, inputs: list[dict[str, Any]], token: str | None = None, **args: str) -> Any:
    input_type = {"bulkCreateProducts": "CreateProductInput", "bulkReceiveStock": "ReceiveStockInput"}.get(
        mutation, "ChangeProductPriceInput"
    )
    extra = "".join(f", {name}: {value}" for name, value in args.items())
    query = f"mutation($inputs: [{input_type}!]!) {{ {mutation}(inputs: $inputs{extra}) {RESULT} }}"
    return await api.graphql(query, {"inputs": inputs}, token or api.token())


async def test_rows_are_answered_in_order_with_error_paths_relative_to_the_row(api: Api) -> None:
    bad_price = product_input("B-1", price={"amount": "-5", "currency": "EUR"})
    body = await bulk(api, "bulkCreateProducts", [product_input("A-1"), bad_price, product_input("C-1")])
    result = body["data"]["bulkCreateProducts"]
    assert [row["index"] for row in result["rows"]] == [0, 1, 2]
    assert [row["ok"] for row in result["rows"]] == [True, False, True]
    assert [(e["code"], e["field"]) for e in result["rows"][1]["errors"]] == [("VALIDATION", "price.amount")]
    assert (result["ok"], result["written"]) == (False, 2)


async def test_reject_everything_writes_nothing_when_a_row_is_refused(api: Api) -> None:
    before = await api.outbox_rows()
    inputs = [product_input("A-1"), product_input("bad sku")]
    body = await bulk(api, "bulkCreateProducts", inputs, errorPolicy="REJECT_EVERYTHING")
    result = body["data"]["bulkCreateProducts"]
    assert (result["ok"], result["written"], result["consistencyToken"]) == (False, 0, None)
    assert [row["ok"] for row in result["rows"]] == [False, False]
    assert result["rows"][0]["errors"] == []
    assert await api.outbox_rows() == before


async def test_a_row_the_caller_may_not_run_is_that_rows_forbidden(api: Api) -> None:
    assert (await api.command("createProduct", product_input("A-1")))["ok"]
    catalog_only = api.token("catalog:write")
    body = await bulk(api, "bulkReceiveStock", [{"sku": "A-1", "quantity": 2}], catalog_only)
    row = body["data"]["bulkReceiveStock"]["rows"][0]
    assert [e["code"] for e in row["errors"]] == ["FORBIDDEN"]


async def test_more_rows_than_the_bound_is_a_typed_validation_error(make_settings: Callable[..., Settings]) -> None:
    async with open_api(make_settings(bulk_max_rows=2)) as api:
        body = await bulk(api, "bulkCreateProducts", [product_input(f"S-{i}") for i in range(3)])
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_the_consistency_token_covers_every_written_row(api: Api) -> None:
    created = await bulk(api, "bulkCreateProducts", [product_input(f"T-{i}") for i in range(5)])
    ids = [row["aggregateId"] for row in created["data"]["bulkCreateProducts"]["rows"]]
    prices = [{"productId": id, "price": {"amount": "7.50", "currency": "EUR"}} for id in ids]
    changed = (await bulk(api, "bulkChangeProductPrices", prices))["data"]["bulkChangeProductPrices"]
    assert changed["ok"]
    stock = [{"sku": f"T-{i}", "quantity": 4} for i in range(5)]
    received = (await bulk(api, "bulkReceiveStock", stock))["data"]["bulkReceiveStock"]
    query = "query($t: String) { product(id: $PID, consistencyToken: $t) { price { amount } stock { onHand } } }"
    first = await api.graphql(query.replace("$PID", f'"{ids[0]}"'), {"t": received["consistencyToken"]})
    assert first["data"]["product"] == {"price": {"amount": "7.50"}, "stock": {"onHand": 4}}


async def test_the_consistency_token_names_every_partition_the_rows_wrote(api: Api) -> None:
    result = (await bulk(api, "bulkCreateProducts", [product_input(f"P-{i}") for i in range(8)]))["data"]
    token = ConsistencyToken.parse(result["bulkCreateProducts"]["consistencyToken"])
    async with api.services.engine.connect() as connection:
        written = frozenset(row.partition for row in await connection.execute(select(outbox.c.partition)))
    assert token.partitions == written


async def test_a_token_read_of_a_bulk_whose_earlier_row_was_dead_lettered_is_refused_not_answered_stale(
    make_settings: Callable[..., Settings],
) -> None:
    async with open_api(make_settings(sync_in_process=False)) as api:
        rows = [product_input(f"D-{i}") for i in range(DEFAULT_CHUNK_ROWS + 10)]  # two transactions, two chunks
        result = (await bulk(api, "bulkCreateProducts", rows))["data"]["bulkCreateProducts"]
        first_id = result["rows"][0]["aggregateId"]
        async with api.services.engine.begin() as connection:  # Elasticsearch will refuse the first row's document
            record = outbox.c.aggregate_id == first_id
            state = (await connection.execute(select(outbox.c.state).where(record))).scalar_one()
            await connection.execute(update(outbox).where(record).values(state={**state, "created_at": "soon"}))
        services = api.services
        worker = SyncWorker(
            services.engine, services.elasticsearch, api.settings.index_prefix, FAST, registry=CollectorRegistry()
        )
        await worker.run_until_caught_up()
        assert (await worker.status()).dead_letters == 1

        query = "query($t: String) { product(id: $PID, consistencyToken: $t) { id } }"
        answer = await api.graphql(query.replace("$PID", f'"{first_id}"'), {"t": result["consistencyToken"]})

    assert answer["data"] is None or answer["data"]["product"] is None
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert first_id in error["message"]
