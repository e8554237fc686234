"""Batches of commands on the in-memory unit of work: answers in row order, the two error policies, chunks,
idempotency per row, and retries of a chunk after a transient conflict."""

from __future__ import annotations

from domain.batches import BatchRow, ErrorPolicy
from domain.bus import CommandContext, MessageBus
from domain.model.commands import CreateProduct, ReceiveStock
from domain.model.errors import DomainError, Forbidden
from domain.ports import Outcome
from tests.unit.domain.scenario import Scenario


def create(sku: str, price: str = "10.00") -> CreateProduct:
    return CreateProduct(sku=sku, name=f"Chair {sku}", price_amount=price, price_currency="EUR")


def rows(*commands: CreateProduct | ReceiveStock, key_prefix: str | None = None) -> list[BatchRow | DomainError]:
    return [
        MessageBus.row(command, CommandContext("staff", None if key_prefix is None else f"{key_prefix}-{i}"))
        for i, command in enumerate(commands)
    ]


async def test_rows_are_answered_in_order_with_errors_relative_to_the_row() -> None:
    scenario = Scenario()
    answers = await scenario.bus.dispatch_rows(
        rows(create("A-1"), create("B-1", price="-1"), create("C-1")), ErrorPolicy.REJECT_FAILED_ROWS
    )
    assert isinstance(answers[0], Outcome)
    assert isinstance(answers[2], Outcome)
    assert isinstance(answers[1], DomainError)
    assert [(p.code.value, p.field) for p in answers[1].problems] == [("VALIDATION", "price.amount")]


async def test_reject_failed_rows_writes_exactly_the_valid_rows() -> None:
    scenario = Scenario()
    await scenario.bus.dispatch_rows(
        rows(create("A-1"), create("bad sku"), create("C-1")), ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=2
    )
    assert sorted(product.sku for product in scenario.store.products.values()) == ["A-1", "C-1"]


async def test_reject_everything_writes_nothing_when_one_row_is_refused_and_answers_valid_rows_with_none() -> None:
    scenario = Scenario()
    answers = await scenario.bus.dispatch_rows(
        rows(create("A-1"), create("bad sku"), create("C-1")), ErrorPolicy.REJECT_EVERYTHING
    )
    assert answers[0] is None
    assert answers[2] is None
    assert isinstance(answers[1], DomainError)
    assert scenario.store.products == {}
    assert scenario.store.outbox == []


async def test_reject_everything_writes_nothing_when_a_row_was_refused_before_it_ran() -> None:
    scenario = Scenario()
    batch = [*rows(create("A-1")), Forbidden("this operation needs the catalog:write scope")]
    answers = await scenario.bus.dispatch_rows(batch, ErrorPolicy.REJECT_EVERYTHING)
    assert answers[0] is None
    assert isinstance(answers[1], Forbidden)
    assert scenario.store.products == {}


async def test_reject_everything_writes_every_row_when_none_is_refused() -> None:
    scenario = Scenario()
    answers = await scenario.bus.dispatch_rows(rows(create("A-1"), create("B-1")), ErrorPolicy.REJECT_EVERYTHING)
    assert all(isinstance(answer, Outcome) for answer in answers)
    assert len(scenario.store.products) == 2


async def test_a_later_row_sees_what_an_earlier_row_of_the_batch_wrote() -> None:
    scenario = Scenario()
    answers = await scenario.bus.dispatch_rows(
        rows(create("A-1"), ReceiveStock(sku="A-1", quantity=3), ReceiveStock(sku="A-1", quantity=4)),
        ErrorPolicy.REJECT_EVERYTHING,
    )
    assert all(isinstance(answer, Outcome) for answer in answers)
    assert scenario.stock("A-1") == (7, 0)


async def test_rerunning_a_batch_with_the_same_keys_writes_nothing_twice() -> None:
    scenario = Scenario()
    batch = rows(create("A-1"), ReceiveStock(sku="A-1", quantity=3), key_prefix="import-1")
    first = await scenario.bus.dispatch_rows(batch, ErrorPolicy.REJECT_FAILED_ROWS)
    again = await scenario.bus.dispatch_rows(batch, ErrorPolicy.REJECT_FAILED_ROWS)
    assert again == first
    assert scenario.stock("A-1") == (3, 0)


async def test_a_chunk_is_run_again_after_a_transient_conflict() -> None:
    scenario = Scenario(max_attempts=3)
    scenario.store.transient_conflicts = 1
    answers = await scenario.bus.dispatch_rows(rows(create("A-1"), create("B-1")), ErrorPolicy.REJECT_FAILED_ROWS)
    assert all(isinstance(answer, Outcome) for answer in answers)
    assert len(scenario.store.products) == 2
    assert len(scenario.store.outbox) == 2
