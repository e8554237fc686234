"""`catalog import` and `catalog export` on SQLite and PostgreSQL: the error report, --dry-run, a resumed import
writing nothing twice, CSV, and the round trip export -> import into an empty database -> verify clean and the
same search answers."""

from __future__ import annotations

import asyncio
import io
import json
import os
from asyncio.subprocess import DEVNULL
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from sqlalchemy import func, select

from api.catalog_files.exporting import active_products, product_row, stock_rows
from api.catalog_files.formats import PRODUCT_COLUMNS, STOCK_COLUMNS, RowWriter
from api.catalog_files.importing import ImportSummary, import_file
from api.cli.catalog_files import write_model
from api.schema.schema import ServedSchema
from api.settings import Settings
from domain.storage.tables import products
from sync.verify import verify
from tests.e2e.conftest import CATALOG
from tests.integration.api.conftest import SECRET, Api, open_api, product_input

pytestmark = pytest.mark.elasticsearch

SCHEMA = ServedSchema(Settings.model_validate({})).graphql

SEARCH = """query($t: String, $filter: ProductFilter) {
  searchProducts(sort: PRICE_ASC, first: 50, consistencyToken: $t, filter: $filter) { totalCount
    edges { node { sku name brand categoryPath price { amount currency } stock { onHand } inStock
                   attributes { name value } slug images { url alt } options { name values }
                   priceRange { min { amount } max { amount } }
                   variants { sku options { name value } price { amount } stock { onHand } status } } }
    facets { options { name values { value count } } priceRanges { count } } } }"""
LARGE_AND_AVAILABLE = {"options": [{"name": "size", "values": ["L"]}], "inStock": True}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


async def run_import(settings: Settings, path: Path, **options: Any) -> tuple[ImportSummary, list[list[str]]]:
    report = io.StringIO()
    async with write_model(settings) as (_, bus):
        fmt = "csv" if path.suffix == ".csv" else "jsonl"
        summary = await import_file(
            bus, SCHEMA, path, file_format=fmt, kind=options.pop("kind", "products"), report=report, **options
        )
    lines = [line.split(",", 3) for line in report.getvalue().splitlines()[1:]]
    return summary, lines


async def test_refused_rows_go_to_the_report_with_line_field_code_and_the_rest_is_written(
    api: Api, tmp_path: Path
) -> None:
    rows = [product_input("A-1"), "{not json", product_input("B-1", price={"amount": "-1", "currency": "EUR"}),
            {"sku": "C-1"}, product_input("D-1")]  # fmt: skip
    summary, report = await run_import(api.settings, write_jsonl(tmp_path / "rows.jsonl", rows))
    assert (summary.rows, summary.written, summary.refused) == (5, 2, 3)
    assert [(line, field, code) for line, field, code, _ in report] == [
        ("2", "", "VALIDATION"),
        ("3", "price.amount", "VALIDATION"),
        ("4", "name", "VALIDATION"),
        ("4", "price", "VALIDATION"),
    ]


async def test_a_dry_run_validates_every_row_and_writes_nothing(api: Api, tmp_path: Path) -> None:
    before = await api.outbox_rows()
    rows = [product_input("A-1"), product_input("A-1"), product_input("bad sku")]
    summary, report = await run_import(api.settings, write_jsonl(tmp_path / "rows.jsonl", rows), dry_run=True)
    assert (summary.written, summary.refused) == (1, 2)
    assert [code for _, _, code, _ in report] == ["DUPLICATE", "VALIDATION"]
    assert await api.outbox_rows() == before


async def test_running_an_import_again_writes_no_row_twice(api: Api, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rows.jsonl", [product_input(f"R-{i}") for i in range(7)])
    partial = write_jsonl(tmp_path / "partial.jsonl", [product_input(f"R-{i}") for i in range(3)])
    await run_import(api.settings, partial, chunk_rows=2)  # another file: its keys are its own
    written = await api.outbox_rows()
    first, _ = await run_import(api.settings, path, chunk_rows=2)
    assert first.refused == 3  # the three skus the other file created are DUPLICATE
    after_first = await api.outbox_rows()
    again, report = await run_import(api.settings, path, chunk_rows=3)
    assert after_first == written + 4
    assert await api.outbox_rows() == after_first
    assert again.written == 4
    assert [code for _, _, code, _ in report] == ["DUPLICATE"] * 3


async def test_an_import_killed_mid_file_and_run_again_writes_every_row_once(api: Api, tmp_path: Path) -> None:
    rows = 600
    path = write_jsonl(tmp_path / "rows.jsonl", [product_input(f"K-{i}") for i in range(rows)])
    env = {name: value for name, value in os.environ.items() if not name.startswith("CATALOG_")}
    env |= {"CATALOG_DATABASE_URL": api.settings.database_url, "CATALOG_JWT_SECRET": SECRET}
    importing = await asyncio.create_subprocess_exec(
        # one row a transaction: the rest of the file takes most of a second after the first rows, so the kill
        # comes mid-file (at five rows a chunk the whole file could land before the kill did)
        CATALOG,
        "import",
        str(path),
        "--chunk",
        "1",
        env=env,
        stdout=DEVNULL,
        stderr=DEVNULL,
    )
    try:
        written = await products_named(api, "K-%", at_least=5, unless_done=importing)
    finally:
        importing.kill()  # SIGKILL: no chance to finish a chunk or clean up
        await importing.wait()
    interrupted = await products_named(api, "K-%")
    assert 5 <= written <= interrupted < rows  # killed mid-file, some chunks in
    again, report = await run_import(api.settings, path, chunk_rows=200)
    assert (again.written, again.refused, report) == (rows, 0, [])  # the first run's rows answer as written
    assert await products_named(api, "K-%") == rows
    assert await api.outbox_rows() == rows  # one ProductCreated each: nothing written twice


async def products_named(
    api: Api, pattern: str, *, at_least: int = 0, unless_done: asyncio.subprocess.Process | None = None
) -> int:
    """How many products have a sku like `pattern`; with `at_least`, once there are that many (or the process
    `unless_done` has ended)."""
    query = select(func.count()).select_from(products).where(products.c.sku.like(pattern))
    for _ in range(3000):
        async with api.services.engine.connect() as connection:
            count = int((await connection.execute(query)).scalar_one())
        if count >= at_least or (unless_done is not None and unless_done.returncode is not None):
            return count
        await asyncio.sleep(0.02)
    return count


async def test_a_csv_file_imports_products_and_then_their_stock(api: Api, tmp_path: Path) -> None:
    products = tmp_path / "products.csv"
    products.write_text(
        "sku,name,price.amount,price.currency,categoryPath,attributes\n"
        'CSV-1,Oak chair,19.90,EUR,"[""Furniture"",""Chairs""]","[{""name"":""color"",""value"":""oak""}]"\n'
        "CSV-2,Pine chair,9.90,EUR,,\n"
    )
    stock = tmp_path / "stock.csv"
    stock.write_text("sku,quantity\nCSV-1,4\nCSV-2,x\n")
    summary, _ = await run_import(api.settings, products)
    assert (summary.written, summary.refused) == (2, 0)
    summary, report = await run_import(api.settings, stock, kind="stock")
    assert (summary.written, summary.refused) == (1, 1)
    assert [(line, field) for line, field, _, _ in report] == [("3", "quantity")]


async def test_export_then_import_into_an_empty_database_gives_the_same_catalog(
    api: Api, tmp_path: Path, request: pytest.FixtureRequest, es_client: AsyncElasticsearch
) -> None:
    token = None
    for i in range(12):
        price = {"amount": f"{i + 1}.50", "currency": "EUR"}
        created = await api.command("createProduct", product_input(f"X-{i}", price=price))
        received = await api.command("receiveStock", {"sku": f"X-{i}", "quantity": i * 1000}) if i % 3 else created
        token = received["consistencyToken"]
    token = await shirt_with_a_size_replaced(api)
    original = await searched(api, token=token)
    assert original["totalCount"] == 13
    large = await searched(api, token=token, filter=LARGE_AND_AVAILABLE)
    assert [edge["node"]["sku"] for edge in large["edges"]] == ["SHIRT"]
    products, stock = tmp_path / "export.jsonl", tmp_path / "stock.csv"
    async with write_model(api.settings) as (engine, _):
        with products.open("w") as out, stock.open("w", newline="") as stock_out:
            rows, receipts = RowWriter(out, "jsonl", PRODUCT_COLUMNS), RowWriter(stock_out, "csv", STOCK_COLUMNS)
            async for product in active_products(engine):
                rows.write(product_row(product))
                for receipt in stock_rows(product):
                    receipts.write(receipt)
    empty = empty_database(api.settings.database_url, request, tmp_path)
    copy = api.settings.model_copy(update={"database_url": empty, "index_prefix": f"{api.settings.index_prefix}-copy"})
    assert (await run_import(copy, products))[0].refused == 0
    assert (await run_import(copy, stock, kind="stock"))[0].refused == 0
    expected, expected_large = without_discontinued_variants(original), without_discontinued_variants(large)
    async with open_api(copy) as imported:
        assert await searched(imported, until=expected) == expected
        assert await searched(imported, filter=LARGE_AND_AVAILABLE) == expected_large
        report = await verify(imported.services.engine, es_client, copy.index_prefix)
    assert report.clean, report


async def shirt_with_a_size_replaced(api: Api) -> str:
    """A product with variants, an image and a slug; its size L discontinued and sold again under another sku, so
    that a discontinued and an active variant share their options. Returns the last write's token."""
    sizes = [
        {"sku": f"SHIRT-{size}", "options": [{"name": "size", "value": size}], **price}
        for size, price in (("S", {}), ("M", {"price": {"amount": "35.00", "currency": "EUR"}}), ("L", {}))
    ]
    image = {"url": "https://img.example/shirt.jpg", "alt": "Linen shirt", "width": 800}
    shirt = product_input("SHIRT", name="Linen shirt", slug="linen-shirt", variants=sizes, images=[image])
    created = await api.command("createProduct", shirt)
    assert created["ok"], created
    product_id = created["aggregateId"]
    assert (await api.command("discontinueProductVariant", {"productId": product_id, "sku": "SHIRT-L"}))["ok"]
    again = {"sku": "SHIRT-L2", "options": [{"name": "size", "value": "L"}]}
    assert (await api.command("addProductVariant", {"productId": product_id, "variant": again}))["ok"]
    for sku, quantity in (("SHIRT-M", 4), ("SHIRT-L2", 2)):
        received = await api.command("receiveStock", {"sku": sku, "quantity": quantity})
    return str(received["consistencyToken"])


def without_discontinued_variants(found: Any) -> Any:
    """The answer as an import recreates it: a discontinued variant is not exported (nor a discontinued product)."""
    recreated = deepcopy(found)
    for edge in recreated["edges"]:
        edge["node"]["variants"] = [v for v in edge["node"]["variants"] if v["status"] != "DISCONTINUED"]
    return recreated


async def searched(api: Api, until: Any = None, token: str | None = None, filter: Any = None) -> Any:
    """The search answer (after the write of `token`); with `until`, once it is that answer or after a while (the
    import wrote no token to wait for), whichever comes first."""
    for _ in range(300):
        body = await api.graphql(SEARCH, {"t": token, "filter": filter}, token=api.token())
        found = body["data"]["searchProducts"]
        if until is None or found == until:
            return found
        await asyncio.sleep(0.1)
    return found


def empty_database(url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'copy.db'}"
    return str(request.getfixturevalue("postgres").new_database("copy"))
