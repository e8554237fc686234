"""A dry run across chunks on the in-memory unit of work (rows one by one, no batch writes): a later chunk meets
what the earlier ones would have written, and nothing is written."""

from __future__ import annotations

from api.catalog_files.dry_run_ledger import SqliteDryRunLedger
from domain.batches import ErrorPolicy
from domain.model.commands import CreateProduct, VariantRequest
from domain.model.errors import DomainError
from domain.ports import Outcome
from tests.unit.domain.scenario import Scenario
from tests.unit.domain.test_batches import rows


def create(
    sku: str, *, name: str = "Oak chair", slug: str | None = None, variants: tuple[str, ...] = ()
) -> CreateProduct:
    requests = tuple(VariantRequest(sku=v, options=(("size", v),)) for v in variants) or None
    return CreateProduct(sku=sku, name=name, price_amount="10.00", price_currency="EUR", slug=slug, variants=requests)


async def dry_run(scenario: Scenario, *commands: CreateProduct) -> list[tuple[str, str | None]]:
    """The code and field of each row's first problem (OK for a row that would be written), one row a chunk."""
    with SqliteDryRunLedger() as ledger:
        answers = await scenario.bus.dispatch_rows(
            rows(*commands, key_prefix="file"), ErrorPolicy.REJECT_FAILED_ROWS, chunk_rows=1, dry_run=ledger
        )
    assert scenario.store.products == {}
    assert scenario.store.outbox == []
    return [
        ("OK", None) if isinstance(a, Outcome) else (a.problems[0].code.value, a.problems[0].field)
        for a in answers
        if isinstance(a, Outcome | DomainError)
    ]


async def test_a_later_chunk_meets_the_skus_of_an_earlier_one() -> None:
    answers = await dry_run(
        Scenario(), create("A", variants=("A-1", "A-2")), create("A-2"), create("B", variants=("A",))
    )
    assert answers == [("OK", None), ("DUPLICATE", "sku"), ("DUPLICATE", "variants.0.sku")]


async def test_a_later_chunk_meets_the_made_slugs_of_earlier_ones() -> None:
    answers = await dry_run(Scenario(), create("A"), create("B"), create("C", slug="oak-chair-2"))
    assert answers == [("OK", None), ("OK", None), ("DUPLICATE", "slug")]


async def test_a_refused_row_keeps_none_of_its_skus() -> None:
    answers = await dry_run(Scenario(), create("A"), create("B", variants=("A", "B-1")), create("B-1"), create("B"))
    assert answers == [("OK", None), ("DUPLICATE", "variants.0.sku"), ("OK", None), ("OK", None)]
