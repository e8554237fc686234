"""The dry run's ledger on disk: products found by any of their skus or their slug, in the order kept; receipts
added up by sku."""

from __future__ import annotations

from api.catalog_files.dry_run_ledger import SqliteDryRunLedger
from domain.model.commands import CreateProduct
from domain.ports import KeptProduct


def kept(sku: str, slug: str, *variants: str) -> KeptProduct:
    command = CreateProduct(sku=sku, name=sku, price_amount="1", price_currency="EUR", slug=slug)
    return KeptProduct((sku, *variants), slug, command)


def test_kept_products_are_found_by_any_of_their_skus_or_their_slug_in_the_order_kept() -> None:
    with SqliteDryRunLedger() as ledger:
        ledger.keep([kept("B", "bee", "B-1"), kept("A", "ay")], [])
        ledger.keep([kept("C", "sea")], [])
        found = [command.sku for command in ledger.products_meeting(["A", "B-1", "X"], ["sea", "bee"])]
        assert found == ["B", "A", "C"]
        assert ledger.slugs_taken(["ay", "ay-2", "sea"]) == {"ay", "sea"}
        assert list(ledger.products_meeting(["B-2"], ["ay-2"])) == []


def test_receipts_add_up_by_sku() -> None:
    with SqliteDryRunLedger() as ledger:
        ledger.keep([], [("A", 5), ("B", 1)])
        ledger.keep([], [("A", 7)])
        assert ledger.received(["A", "B", "C"]) == {"A": 12, "B": 1}
