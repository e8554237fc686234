"""`catalog export`: the write model's products, page by page, as the rows `catalog import` reads.

Active products only (an import creates active products; a discontinued one would come back to life). With
variants, a product whose one variant is its own sku without options is written without `variants`, as it was
created. Stock is a second file of `receiveStock` rows (`--stock`): on hand per sku; reservations belong to
orders, which are not exported."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.model.events import PRODUCT
from domain.model.input_limits import QUANTITY_MAX
from domain.storage.aggregate_pages import read_states

PAGE = 500
ACTIVE = "ACTIVE"


async def active_products(engine: AsyncEngine) -> AsyncIterator[Mapping[str, Any]]:
    """Each active product's snapshot (read as plain data: the format follows whichever fields it has)."""
    after: str | None = None
    while True:
        async with engine.connect() as connection:
            page = await read_states(connection, PRODUCT, after, PAGE)
        for state in page:
            snapshot: Any = state.state
            if snapshot["status"] == ACTIVE:
                yield snapshot
        if len(page) < PAGE:
            return
        after = page[-1].aggregate_id


def product_row(product: Mapping[str, Any]) -> dict[str, Any]:
    """The CreateProductInput that makes this product again."""
    row: dict[str, Any] = {"sku": product["sku"], "name": product["name"]}
    for field in ("description", "brand"):
        if product[field]:
            row[field] = product[field]
    if "slug" in product:
        row["slug"] = product["slug"]
    if product["category_path"]:
        row["categoryPath"] = product["category_path"]
    row["price"] = dict(product["price"])
    if product["attributes"]:
        row["attributes"] = [{"name": name, "value": value} for name, value in product["attributes"]]
    variants = product.get("variants") or []
    if variants and not (len(variants) == 1 and variants[0]["sku"] == product["sku"] and not variants[0]["options"]):
        row["variants"] = [_variant_row(variant) for variant in variants]
    if product.get("images"):
        row["images"] = [{k: v for k, v in image.items() if v is not None} for image in product.get("images", [])]
    return row


def _variant_row(variant: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"sku": variant["sku"]}
    row["options"] = [{"name": name, "value": value} for name, value in variant["options"]]
    if variant.get("own_price"):
        row["price"] = dict(variant["own_price"])
    return row


def stock_rows(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The receiveStock rows that give each of the product's skus its stock on hand."""
    variants = product.get("variants") or []
    held = [(variant["sku"], variant["on_hand"]) for variant in variants] or [(product["sku"], product["on_hand"])]
    return [
        {"sku": sku, "quantity": min(QUANTITY_MAX, on_hand - start)}  # a receipt is at most QUANTITY_MAX
        for sku, on_hand in held
        for start in range(0, on_hand, QUANTITY_MAX)
    ]
