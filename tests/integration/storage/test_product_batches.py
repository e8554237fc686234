"""New products written together (domain/product_batches.py) answer what the single command answers row by row,
on SQLite and PostgreSQL: refusals at the same rows with the same codes and fields, also where a row meets a sku
or slug another row or product has (the chunk then runs row by row), and outbox positions in row order."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.batches import ErrorPolicy
from domain.bus import CommandContext, MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.catalog import Product
from domain.model.commands import CreateProduct
from domain.model.errors import DomainError
from domain.outbox import ConsistencyToken, partition_of
from domain.ports import Outcome
from domain.storage.engine import is_sqlite
from domain.storage.tables import outbox, products
from domain.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.storage.test_batches import make_bus

KINDS = ["create", "create", "create", "invalid", "slug", "keyed"]


def drawn_batches() -> list[list[tuple[str, int]]]:
    drawn: list[list[tuple[str, int]]] = []

    @settings(max_examples=10, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 8)), min_size=1, max_size=20))
    def draw(specs: list[tuple[str, int]]) -> None:
        drawn.append(specs)

    draw()
    return drawn


def command(prefix: str, kind: str, slot: int) -> CreateProduct:
    sku = f"{prefix}-{slot}"
    if kind == "invalid":
        return CreateProduct(sku=sku, name="", price_amount="-1", price_currency="EUR")
    slug = f"{prefix.lower()}-slug-{slot % 3}" if kind == "slug" else None
    return CreateProduct(sku=sku, name=f"Chair {prefix} {slot % 4}", price_amount="10.00", price_currency="EUR",
                         slug=slug)  # fmt: skip


async def shape(engine: AsyncEngine, prefix: str, answer: object) -> object:
    """A refusal's codes and fields, or the written product's slug without the batch's prefix."""
    if isinstance(answer, DomainError):
        return sorted((problem.code, problem.field) for problem in answer.problems)
    assert isinstance(answer, Outcome)
    async with engine.connect() as connection:
        query = select(products.c.slug).where(products.c.id == answer.aggregate_id)
        slug = (await connection.execute(query)).scalar_one()
    return slug.replace(prefix.lower(), "")


async def test_a_batch_of_new_products_answers_as_the_rows_one_by_one(engine: AsyncEngine, database_url: str) -> None:
    bus = make_bus(engine, database_url)
    for number, specs in enumerate(drawn_batches()):
        together, alone = f"T{number}", f"A{number}"
        rows = [MessageBus.row(command(together, kind, slot), CommandContext("importer", f"{together}-{slot}"
                if kind == "keyed" else None)) for kind, slot in specs]  # fmt: skip
        answers = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=7)
        expected: list[object] = []
        for kind, slot in specs:
            context = CommandContext("importer", f"{alone}-{slot}" if kind == "keyed" else None)
            try:
                expected.append(await shape(engine, alone, await bus.dispatch(command(alone, kind, slot), context)))
            except DomainError as refusal:
                expected.append(await shape(engine, alone, refusal))
        assert [await shape(engine, together, answer) for answer in answers] == expected, specs


async def test_new_products_written_together_have_outbox_positions_in_row_order(
    engine: AsyncEngine, database_url: str
) -> None:
    bus = make_bus(engine, database_url)
    rows = [MessageBus.row(command("O", "create", slot), CommandContext()) for slot in range(30)]
    answers = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=30)
    tokens = [
        ConsistencyToken.parse(answer.consistency_token or "") for answer in answers if isinstance(answer, Outcome)
    ]
    assert len(tokens) == 30
    assert all(token.first == token.last for token in tokens)
    assert [token.last for token in tokens] == sorted(token.last for token in tokens)
    assert len({token.last for token in tokens}) == 30


async def test_new_products_written_together_are_in_their_partitions_and_their_tokens_name_them(
    engine: AsyncEngine, database_url: str
) -> None:
    bus = MessageBus(
        SqlUnitOfWorkFactory(engine, serialize_writes=is_sqlite(database_url), partitions=4), COMMAND_HANDLERS
    )
    rows = [MessageBus.row(command("P", "create", slot), CommandContext()) for slot in range(12)]
    answers = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=12)
    async with engine.connect() as connection:
        written = {row.aggregate_id: row.partition for row in await connection.execute(select(outbox))}
    for answer in answers:
        assert isinstance(answer, Outcome)
        expected = partition_of(Product.aggregate_type, answer.aggregate_id, 4)
        assert written[answer.aggregate_id] == expected
        assert ConsistencyToken.parse(answer.consistency_token or "").partitions == frozenset({expected})
    assert len(set(written.values())) > 1
