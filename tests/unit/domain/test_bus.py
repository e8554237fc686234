"""The message bus on the in-memory unit of work: idempotency keys, retries of transient conflicts, and the recall
of a racing twin's outcome after a refusal."""

from __future__ import annotations

import pytest

from domain.model.commands import CreateProduct, ReceiveStock
from domain.model.errors import Conflict
from tests.unit.domain.scenario import Scenario


def create(sku: str = "OAK-1", name: str = "Oak chair") -> CreateProduct:
    return CreateProduct(sku=sku, name=name, price_amount="10.00", price_currency="EUR")


async def test_the_same_key_and_command_return_the_first_outcome_without_running_again() -> None:
    scenario = Scenario()
    first = await scenario.run(create(), key="k-1")
    again = await scenario.run(create(), key="k-1")
    assert again == first
    assert len(scenario.store.products) == 1
    assert scenario.store.events() == ["ProductCreated"]


async def test_the_same_key_for_a_different_command_is_a_conflict_on_the_key() -> None:
    scenario = Scenario()
    await scenario.run(create(), key="k-1")
    assert await scenario.refusal(create(name="Another chair"), key="k-1") == [("CONFLICT", "idempotencyKey")]


async def test_keys_are_scoped_per_caller() -> None:
    scenario = Scenario()
    mine = await scenario.run(create("A-1"), caller="alice", key="k-1")
    theirs = await scenario.run(create("B-1"), caller="bob", key="k-1")
    assert mine.aggregate_id != theirs.aggregate_id
    assert len(scenario.store.products) == 2


async def test_a_refused_command_stores_nothing_under_its_key_so_a_corrected_one_runs() -> None:
    scenario = Scenario()
    assert await scenario.refusal(create(""), key="k-1") == [("VALIDATION", "sku")]
    corrected = await scenario.run(create("OAK-1"), key="k-1")
    assert scenario.store.products[corrected.aggregate_id].sku == "OAK-1"


async def test_transient_conflicts_are_retried_until_the_command_commits() -> None:
    scenario = Scenario(max_attempts=3)
    scenario.store.transient_conflicts = 2
    outcome = await scenario.run(create())
    assert outcome.version == 1
    assert scenario.store.transient_conflicts == 0
    assert len(scenario.store.products) == 1


async def test_retries_are_bounded_then_the_command_is_refused_as_a_conflict() -> None:
    scenario = Scenario(max_attempts=3)
    scenario.store.transient_conflicts = 3
    with pytest.raises(Conflict) as refused:
        await scenario.run(create())
    assert [(p.code.value, p.field) for p in refused.value.problems] == [("CONFLICT", None)]
    assert scenario.store.products == {}
    assert scenario.committed_callbacks == 0


async def test_a_version_lost_to_a_concurrent_command_runs_the_command_again_on_the_newer_state() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1", stock=5)

    async def concurrent_receipt() -> None:
        await scenario.run(ReceiveStock(sku="OAK-1", quantity=2))

    scenario.store.before_commit = concurrent_receipt
    outcome = await scenario.run(ReceiveStock(sku="OAK-1", quantity=3))
    assert outcome.version == 4
    assert scenario.stock("OAK-1") == (10, 0)


async def test_a_refusal_under_a_key_returns_the_outcome_a_racing_twin_stored_meanwhile() -> None:
    scenario = Scenario()
    twin: list[object] = []

    async def racing_twin() -> None:  # same caller, key and command, committed while the first one runs
        twin.append(await scenario.run(create(), key="k-1"))

    scenario.store.before_commit = racing_twin
    outcome = await scenario.run(create(), key="k-1")  # its own insert finds the sku taken: DUPLICATE, recalled
    assert [outcome] == twin
    assert len(scenario.store.products) == 1


async def test_a_refusal_under_a_key_nobody_stored_stays_a_refusal() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1")
    assert await scenario.refusal(create("OAK-1"), key="k-2") == [("DUPLICATE", "sku")]


async def test_the_committed_callback_runs_once_per_command_that_wrote_something() -> None:
    scenario = Scenario()
    await scenario.run(create(), key="k-1")
    await scenario.run(create(), key="k-1")  # recalled: its outcome's token still names a write
    assert scenario.committed_callbacks == 2
