"""A poison event goes to the dead letters after bounded tries and the worker moves on; once its cause is fixed,
`catalog deadletter retry` applies it."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.bus import MessageBus
from domain.model.commands import CreateProduct
from domain.outbox import ConsistencyToken, OutboxPosition
from domain.storage.tables import outbox
from sync.applied_position import applied_states
from sync.dead_letter_retry import list_dead_letters, retry_dead_letters
from sync.published_dead_letters import dead_letters_within
from sync.state_index import STATE_MAPPING, ensure_state_index, state_index
from tests.integration.sync.conftest import (
    FAST,
    WorkerFactory,
    assert_verified_clean,
    cli_environment,
    run_cli,
)
from tests.integration.sync.workload import Catalog, create_products

pytestmark = pytest.mark.elasticsearch


async def state_at(engine: AsyncEngine, position: OutboxPosition) -> dict[str, Any]:
    async with engine.connect() as connection:
        query = select(outbox.c.state).where(outbox.c.sequence == position.sequence)
        state: dict[str, Any] = (await connection.execute(query)).scalar_one()
    return state


async def set_state(engine: AsyncEngine, position: OutboxPosition, state: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(outbox).where(outbox.c.sequence == position.sequence).values(state=state))


async def test_poison_events_are_dead_lettered_then_retried_once_fixed(
    *,
    bus: MessageBus,
    engine: AsyncEngine,
    database_url: str,
    elasticsearch_url: str,
    es_client: AsyncElasticsearch,
    index_prefix: str,
    new_worker: WorkerFactory,
) -> None:
    catalog = Catalog()
    await create_products(bus, catalog, 5)
    refused = await bus.dispatch(CreateProduct(sku="BAD-1", name="Refused", price_amount="1.00", price_currency="EUR"))
    broken = await bus.dispatch(CreateProduct(sku="BAD-2", name="Broken", price_amount="1.00", price_currency="EUR"))
    await create_products(bus, catalog, 5, tag="AFTER")
    positions = {o.aggregate_id: OutboxPosition.parse_token(o.consistency_token or "") for o in (refused, broken)}
    good_states = {aggregate_id: await state_at(engine, p) for aggregate_id, p in positions.items()}
    # Elasticsearch refuses the first (400: not a date); the second cannot even be projected (no name).
    await set_state(
        engine, positions[refused.aggregate_id], {**good_states[refused.aggregate_id], "created_at": "soon"}
    )
    await set_state(
        engine,
        positions[broken.aggregate_id],
        {k: v for k, v in good_states[broken.aggregate_id].items() if k != "name"},
    )
    env = cli_environment(database_url, elasticsearch_url, index_prefix)

    worker = new_worker()
    await worker.run_until_caught_up()

    status = await worker.status()
    assert (status.events_behind, status.dead_letters) == (0, 2)  # the worker moved on past both
    partitions = range(len(status.partitions))
    recorded = await applied_states(es_client, index_prefix, partitions)
    assert sum(state.dead_letters for state in recorded.values()) == 2  # readers are told to look
    for outcome in (refused, broken):  # and find each among the published letters
        token = ConsistencyToken.parse(outcome.consistency_token or "")
        [published] = await dead_letters_within(es_client, index_prefix, token)
        assert published.aggregate_id == outcome.aggregate_id
    letters = {letter.aggregate_id: letter for letter in await list_dead_letters(engine)}
    assert letters[refused.aggregate_id].attempts == FAST.max_attempts
    assert "parsing" in letters[refused.aggregate_id].error
    assert letters[broken.aggregate_id].error.startswith("projection failed: KeyError")
    listed = await run_cli(env, "deadletter", "list")
    assert listed.returncode == 0
    assert refused.aggregate_id in listed.stdout
    assert broken.aggregate_id in listed.stdout
    drift = await run_cli(env, "verify")
    assert drift.returncode == 1
    assert "missing 2" in drift.stdout

    still_broken = await retry_dead_letters(engine, es_client, index_prefix)
    assert [outcome.resolved for outcome in still_broken] == [False, False]
    for aggregate_id, state in good_states.items():  # the operator fixes the cause
        await set_state(engine, positions[aggregate_id], state)
    retried = await run_cli(env, "deadletter", "retry")

    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert retried.stdout.count("resolved") == 2
    assert (await worker.status()).dead_letters == 0
    recorded = await applied_states(es_client, index_prefix, partitions)
    assert sum(state.dead_letters for state in recorded.values()) == 0
    for outcome in (refused, broken):
        token = ConsistencyToken.parse(outcome.consistency_token or "")
        assert await dead_letters_within(es_client, index_prefix, token) == []
    assert all(letter.resolved_at is not None for letter in await list_dead_letters(engine, include_resolved=True))
    await assert_verified_clean(engine, es_client, index_prefix)


async def test_a_state_index_made_by_an_earlier_version_gains_the_dead_letter_fields(
    es_client: AsyncElasticsearch, index_prefix: str
) -> None:
    earlier = {"dynamic": "strict", "properties": {k: STATE_MAPPING["properties"][k] for k in ("txid", "sequence")}}
    await es_client.indices.create(index=state_index(index_prefix), mappings=earlier)

    assert not await ensure_state_index(es_client, index_prefix)

    mapping = await es_client.indices.get_mapping(index=state_index(index_prefix))
    assert set(mapping[state_index(index_prefix)]["mappings"]["properties"]) == set(STATE_MAPPING["properties"])
