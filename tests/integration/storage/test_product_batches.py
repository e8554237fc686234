"""New products written together (domain/product_batches.py) answer what the single command answers row by row,
on SQLite and PostgreSQL: refusals at the same rows with the same codes and fields, also where a row meets a sku
or slug another row or product has (the chunk then runs row by row), and outbox positions in row order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.batches import ErrorPolicy
from domain.bus import CommandContext, MessageBus
from domain.handlers import COMMAND_HANDLERS
from domain.model.catalog import Product
from domain.model.commands import CreateProduct, VariantRequest
from domain.model.errors import DomainError
from domain.model.slugs import made_slug
from domain.outbox import ConsistencyToken, partition_of
from domain.ports import Outcome
from domain.storage.engine import is_sqlite
from domain.storage.product_batch_writes import SqlNewProducts
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


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each write of new products together was taken (True) or refused by a unique key (False)."""
    taken: list[bool] = []
    write = SqlNewProducts.write

    async def counted(self: SqlNewProducts, *args: object) -> list[Outcome] | None:
        outcomes = await write(self, *args)  # type: ignore[arg-type]
        taken.append(outcomes is not None)
        return outcomes

    monkeypatch.setattr(SqlNewProducts, "write", counted)
    return taken


def meeting_existing(prefix: str) -> tuple[list[CreateProduct], list[CreateProduct]]:
    """Products written first, and a chunk whose rows meet their sku, variant sku and slugs: taken skus and a
    given slug are refused (the write together meets them), a made slug whose first candidate is taken gets the
    next one."""
    p, slug = prefix, prefix.lower()
    made = made_slug(f"Lamp {p}", f"{p}-NEW-3")
    existing = [
        CreateProduct(sku=f"{p}-OLD-1", name=f"Old {p}", price_amount="5.00", price_currency="EUR",
                      slug=f"{slug}-taken"),
        CreateProduct(sku=f"{p}-OLD-2", name=f"Old {p}", price_amount="5.00", price_currency="EUR", slug=made,
                      variants=(VariantRequest(sku=f"{p}-OLD-2-S", options=(("size", "S"),)),)),
    ]  # fmt: skip
    chunk = [
        CreateProduct(sku=f"{p}-NEW-1", name=f"Chair {p}", price_amount="10.00", price_currency="EUR"),
        CreateProduct(sku=f"{p}-OLD-1", name=f"Chair {p}", price_amount="10.00", price_currency="EUR"),
        CreateProduct(sku=f"{p}-NEW-2", name=f"Desk {p}", price_amount="10.00", price_currency="EUR",
                      slug=f"{slug}-taken"),
        CreateProduct(sku=f"{p}-NEW-3", name=f"Lamp {p}", price_amount="10.00", price_currency="EUR"),
        CreateProduct(sku=f"{p}-NEW-4", name=f"Shirt {p}", price_amount="10.00", price_currency="EUR",
                      variants=(VariantRequest(sku=f"{p}-NEW-4-M", options=(("size", "M"),)),
                                VariantRequest(sku=f"{p}-OLD-2-S", options=(("size", "S"),)))),
        CreateProduct(sku=f"{p}-NEW-5", name=f"Sofa {p}", price_amount="10.00", price_currency="EUR"),
    ]  # fmt: skip
    return existing, chunk


async def test_a_chunk_meeting_existing_products_answers_as_the_rows_one_by_one(
    engine: AsyncEngine, database_url: str, writes: list[bool]
) -> None:
    bus = make_bus(engine, database_url)
    shapes: dict[str, list[object]] = {}
    for prefix, together in (("T7", True), ("A7", False)):
        existing, chunk = meeting_existing(prefix)
        for product in existing:
            await bus.dispatch(product, CommandContext())
        if together:
            rows = [MessageBus.row(row, CommandContext()) for row in chunk]
            answers: list[object] = list(await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS))
        else:
            answers = []
            for row in chunk:
                try:
                    answers.append(await bus.dispatch(row, CommandContext()))
                except DomainError as refusal:
                    answers.append(refusal)
        shapes[prefix] = [await shape(engine, prefix, answer) for answer in answers]

    assert shapes["T7"] == shapes["A7"]
    assert [isinstance(answer, list) for answer in shapes["T7"]] == [False, True, True, False, True, False]
    assert writes == [False]  # the write together met the taken keys, and the chunk ran row by row


async def test_new_products_written_together_have_outbox_positions_in_row_order(
    engine: AsyncEngine, database_url: str, writes: list[bool]
) -> None:
    bus = make_bus(engine, database_url)
    # a single command's position, and the made slug of rows 0, 4, 8…'s name: they take the next candidates
    before = await bus.dispatch(command("O", "create", 100), CommandContext())
    rows = [MessageBus.row(command("O", "create", slot), CommandContext()) for slot in range(30)]
    answers = await bus.dispatch_rows(rows, ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=30)
    after = await bus.dispatch(command("O", "create", 101), CommandContext())
    assert writes == [True]
    tokens = [
        ConsistencyToken.parse(answer.consistency_token or "") for answer in answers if isinstance(answer, Outcome)
    ]
    assert len(tokens) == 30
    assert all(token.first == token.last for token in tokens)
    assert [token.last for token in tokens] == sorted(token.last for token in tokens)
    assert len({token.last for token in tokens}) == 30
    single = [ConsistencyToken.parse(outcome.consistency_token or "").last for outcome in (before, after)]
    assert single[0] < tokens[0].first
    assert tokens[-1].last < single[1]


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
