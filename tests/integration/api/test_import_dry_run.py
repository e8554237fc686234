"""`catalog import --dry-run` against the import itself, on SQLite and PostgreSQL: for files whose rows meet each
other across chunk boundaries (small chunks), the dry run's error report is the report of the real import of the
same file, line for line, and the dry run writes nothing; also after a real import of the same file was
interrupted, whose rows answer with their first outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain.model.input_limits import ON_HAND_MAX, QUANTITY_MAX
from tests.integration.api.conftest import Api, product_input
from tests.integration.api.test_catalog_files import run_import, write_jsonl

pytestmark = pytest.mark.elasticsearch

CHUNK = 2


def sized(sku: str, *sizes: str, **overrides: Any) -> dict[str, Any]:
    variants = [{"sku": f"{sku}-{size}", "options": [{"name": "size", "value": size}]} for size in sizes]
    return product_input(sku, variants=variants, **overrides)


def with_variants(sku: str, *variant_skus: str, **overrides: Any) -> dict[str, Any]:
    sizes = ("S", "M", "L", "XL")
    variants = [
        {"sku": v, "options": [{"name": "size", "value": s}]} for v, s in zip(variant_skus, sizes, strict=False)
    ]
    return product_input(sku, variants=variants, **overrides)


# Two rows a chunk: each pair below is one chunk.
PRODUCTS = [
    sized("SHIRT", "M", "L", slug="linen-shirt"), product_input("MUG", name="Oak mug"),
    # a product sku an earlier variant has; a slug an earlier product has
    product_input("SHIRT-L"), product_input("BOWL", slug="linen-shirt"),
    # the second 'Oak mug' gets the made slug 'oak-mug-2', which the next row asks for
    product_input("MUG-2", name="Oak mug"), product_input("PLATE", slug="oak-mug-2"),
    # refused for other reasons: CUP for its price, JAR for an earlier variant's sku (JAR-1 is not taken by it)
    product_input("CUP", price={"amount": "-1", "currency": "EUR"}), with_variants("JAR", "SHIRT-M", "JAR-1"),
    # so CUP and JAR-1 are free
    product_input("CUP"), product_input("JAR-1"),
    # a variant sku an earlier product has; a product sku and a slug both taken
    with_variants("POT", "MUG", "POT-L"), product_input("SHIRT", slug="oak-mug"),
    # a product sku taken by a product, and a variant sku taken too
    with_variants("CUP", "VASE-1", "MUG-2"), product_input("VASE", name="Oak mug"),
]  # fmt: skip
REFUSED_PRODUCTS = {
    (3, "sku", "DUPLICATE"),
    (4, "slug", "DUPLICATE"),
    (6, "slug", "DUPLICATE"),
    (7, "price.amount", "VALIDATION"),
    (8, "variants.0.sku", "DUPLICATE"),
    (11, "variants.0.sku", "DUPLICATE"),
    (13, "sku", "DUPLICATE"),
}
"""What the import refuses (line 12 too, on its sku or its slug, as the database finds it first)."""


class Interrupted(Exception):
    """Stops an import after some chunks, as a crash or Ctrl-C would."""


def stop_after(rows: int) -> Any:
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if done >= rows:
            raise Interrupted

    return progress


async def written(api: Api) -> int:
    return await api.outbox_rows()


async def dry_run_then_import(api: Api, path: Path, **options: Any) -> list[list[str]]:
    """Asserts that the dry run of `path` writes nothing and reports what the import of it then reports."""
    before = await written(api)
    dry, dry_report = await run_import(api.settings, path, dry_run=True, chunk_rows=CHUNK, **options)
    assert await written(api) == before
    real, real_report = await run_import(api.settings, path, chunk_rows=CHUNK, **options)
    assert dry_report == real_report
    assert (dry.rows, dry.written, dry.refused) == (real.rows, real.written, real.refused)
    return real_report


def refused(report: list[list[str]]) -> set[tuple[int, str, str]]:
    return {(int(line), field, code) for line, field, code, _ in report}


async def test_a_dry_run_reports_what_the_import_refuses_across_chunks(api: Api, tmp_path: Path) -> None:
    report = await dry_run_then_import(api, write_jsonl(tmp_path / "products.jsonl", PRODUCTS))
    assert refused(report) - {problem for problem in refused(report) if problem[0] == 12} == REFUSED_PRODUCTS
    assert {line for line, _, _ in refused(report)} == {line for line, _, _ in REFUSED_PRODUCTS} | {12}


async def test_a_dry_run_after_an_interrupted_import_reports_what_the_resumed_import_refuses(
    api: Api, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "products.jsonl", PRODUCTS)
    with pytest.raises(Interrupted):
        await run_import(api.settings, path, chunk_rows=CHUNK, progress=stop_after(3 * CHUNK))
    report = await dry_run_then_import(api, path)
    assert {line for line, _, _ in refused(report)} == {line for line, _, _ in REFUSED_PRODUCTS} | {12}


async def stock_near_the_limit(api: Api, tmp_path: Path) -> int:
    """A product TANK in sizes S and L, with as much stock on hand as receipts of QUANTITY_MAX can bring below
    ON_HAND_MAX; returns the room left."""
    await run_import(api.settings, write_jsonl(tmp_path / "tank.jsonl", [sized("TANK", "S", "L")]))
    receipts = ON_HAND_MAX // QUANTITY_MAX - 1
    filled = write_jsonl(tmp_path / "fill.jsonl", [{"sku": "TANK-S", "quantity": QUANTITY_MAX}] * receipts)
    summary, _ = await run_import(api.settings, filled, kind="stock")
    assert summary.refused == 0
    return ON_HAND_MAX - receipts * QUANTITY_MAX


def receipts(room: int) -> list[dict[str, Any]]:
    """Receipts for TANK's two sizes that fit its room until the fifth, which goes past it; the seventh fits
    again (the refused fifth brought nothing)."""
    quantities = [("S", 40), ("L", 30), ("S", 20), ("L", 5), ("S", 10), ("NONE", 1), ("L", 4)]
    return [{"sku": f"TANK-{size}", "quantity": share * room // 100} for size, share in quantities]


async def test_a_dry_run_of_receipts_sums_the_stock_of_earlier_chunks(api: Api, tmp_path: Path) -> None:
    room = await stock_near_the_limit(api, tmp_path)
    path = write_jsonl(tmp_path / "stock.jsonl", receipts(room))
    report = await dry_run_then_import(api, path, kind="stock")
    assert refused(report) == {(5, "quantity", "VALIDATION"), (6, "sku", "NOT_FOUND")}


async def test_a_dry_run_of_receipts_after_an_interrupted_import_counts_the_written_ones_once(
    api: Api, tmp_path: Path
) -> None:
    room = await stock_near_the_limit(api, tmp_path)
    path = write_jsonl(tmp_path / "stock.jsonl", receipts(room))
    with pytest.raises(Interrupted):
        await run_import(api.settings, path, kind="stock", chunk_rows=CHUNK, progress=stop_after(CHUNK))
    report = await dry_run_then_import(api, path, kind="stock")
    assert refused(report) == {(5, "quantity", "VALIDATION"), (6, "sku", "NOT_FOUND")}
