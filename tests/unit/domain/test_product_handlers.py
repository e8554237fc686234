"""The product and stock handlers on the in-memory unit of work: what each writes, and each refusal's code and field."""

from __future__ import annotations

import dataclasses

import pytest

from domain.model.commands import (
    AdjustStock,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
    ReceiveStock,
    UpdateProductDetails,
)
from tests.unit.domain.scenario import Scenario


def create(sku: str = "OAK-1", **overrides: object) -> CreateProduct:
    fields: dict[str, object] = {"sku": sku, "name": "Oak chair", "price_amount": "10.00", "price_currency": "EUR"}
    return CreateProduct(**{**fields, **overrides})  # type: ignore[arg-type]


async def test_create_product_stores_the_product_and_its_created_event_at_version_one() -> None:
    scenario = Scenario()
    outcome = await scenario.run(create())
    assert (outcome.version, outcome.consistency_token) == (1, "c3.0.1.1.1")
    assert scenario.store.products[outcome.aggregate_id].sku == "OAK-1"
    assert scenario.store.events() == ["ProductCreated"]
    assert scenario.committed_callbacks == 1


async def test_create_product_refuses_a_taken_sku_as_a_duplicate_of_the_sku() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1")
    assert await scenario.refusal(create("OAK-1", name="Another chair")) == [("DUPLICATE", "sku")]


async def test_create_product_refuses_invalid_input_with_every_field_at_once() -> None:
    refusal = await Scenario().refusal(create("", name=" ", price_amount="-1", price_currency="XYZ"))
    assert sorted(refusal) == [("VALIDATION", "name"), ("VALIDATION", "price.currency"), ("VALIDATION", "sku")]


async def test_update_product_details_stores_the_change() -> None:
    scenario = Scenario()
    product_id = await scenario.product(stock=0)
    outcome = await scenario.run(UpdateProductDetails(product_id=product_id, name="Oak armchair", expected_version=1))
    assert outcome.version == 2
    assert scenario.store.products[product_id].details.name == "Oak armchair"
    assert scenario.store.events()[-1] == "ProductDetailsUpdated"


async def test_an_update_that_changes_nothing_writes_nothing_and_returns_no_token() -> None:
    scenario = Scenario()
    product_id = await scenario.product(stock=0)
    outcome = await scenario.run(UpdateProductDetails(product_id=product_id, name="Chair OAK-1"))
    assert (outcome.version, outcome.consistency_token) == (1, None)
    assert scenario.store.events() == ["ProductCreated"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (UpdateProductDetails(product_id="nope", name="x"), [("NOT_FOUND", "productId")]),
        (UpdateProductDetails(product_id="{id}"), [("VALIDATION", None)]),
        (UpdateProductDetails(product_id="{id}", name="x", expected_version=7), [("CONFLICT", "expectedVersion")]),
        (UpdateProductDetails(product_id="{id}", category_path=("A", "")), [("VALIDATION", "categoryPath.1")]),
        (ChangeProductPrice(product_id="nope", price_amount="1", price_currency="EUR"), [("NOT_FOUND", "productId")]),
        (
            ChangeProductPrice(product_id="{id}", price_amount="1.999", price_currency="EUR"),
            [("VALIDATION", "price.amount")],
        ),
        (DiscontinueProduct(product_id="nope"), [("NOT_FOUND", "productId")]),
        (DiscontinueProduct(product_id="{id}", expected_version=3), [("CONFLICT", "expectedVersion")]),
    ],
)
async def test_product_commands_refuse_with_their_code_and_field(
    command: UpdateProductDetails | ChangeProductPrice | DiscontinueProduct, expected: list[tuple[str, str | None]]
) -> None:
    scenario = Scenario()
    product_id = await scenario.product(stock=0)
    if command.product_id == "{id}":
        command = dataclasses.replace(command, product_id=product_id)
    assert await scenario.refusal(command) == expected


async def test_change_product_price_stores_the_normalised_price() -> None:
    scenario = Scenario()
    product_id = await scenario.product(stock=0)
    await scenario.run(ChangeProductPrice(product_id=product_id, price_amount="9.5", price_currency="eur"))
    price = scenario.store.products[product_id].price
    assert (str(price.amount), price.currency) == ("9.50", "EUR")


async def test_discontinuing_twice_is_an_invalid_state() -> None:
    scenario = Scenario()
    product_id = await scenario.product(stock=0)
    await scenario.run(DiscontinueProduct(product_id=product_id))
    assert await scenario.refusal(DiscontinueProduct(product_id=product_id)) == [("INVALID_STATE", None)]


async def test_receive_stock_finds_the_product_by_its_sku_without_surrounding_spaces() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1", stock=0)
    outcome = await scenario.run(ReceiveStock(sku=" OAK-1 ", quantity=4))
    assert outcome.version == 2
    assert scenario.stock("OAK-1") == (4, 0)


async def test_adjust_stock_changes_what_is_on_hand() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1", stock=5)
    await scenario.run(AdjustStock(sku="OAK-1", delta=-2, reason="damaged in transit"))
    assert scenario.stock("OAK-1") == (3, 0)
    assert scenario.store.events()[-1] == "StockAdjusted"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (ReceiveStock(sku="NOPE", quantity=1), [("NOT_FOUND", "sku")]),
        (ReceiveStock(sku="OAK-1", quantity=0), [("VALIDATION", "quantity")]),
        (ReceiveStock(sku="OAK-1", quantity=1_000_001), [("VALIDATION", "quantity")]),
        (ReceiveStock(sku="has space", quantity=1), [("VALIDATION", "sku")]),
        (ReceiveStock(sku="", quantity=-1), [("VALIDATION", "sku"), ("VALIDATION", "quantity")]),
        (ReceiveStock(sku="NOPE", quantity=0), [("VALIDATION", "quantity")]),
        (AdjustStock(sku="NOPE", delta=1, reason="found"), [("NOT_FOUND", "sku")]),
        (AdjustStock(sku="OAK-1", delta=0, reason="none"), [("VALIDATION", "delta")]),
        (AdjustStock(sku="OAK-1", delta=1, reason=" "), [("VALIDATION", "reason")]),
        (AdjustStock(sku="OAK-1", delta=2_000_000, reason="x"), [("VALIDATION", "delta")]),
        (
            AdjustStock(sku="", delta=0, reason=""),
            [("VALIDATION", "sku"), ("VALIDATION", "delta"), ("VALIDATION", "reason")],
        ),
        (AdjustStock(sku="NOPE", delta=0, reason="x"), [("VALIDATION", "delta")]),
        (AdjustStock(sku="OAK-1", delta=-6, reason="lost"), [("INVALID_STATE", "delta")]),
    ],
)
async def test_stock_commands_refuse_with_their_code_and_field(
    command: ReceiveStock | AdjustStock, expected: list[tuple[str, str | None]]
) -> None:
    scenario = Scenario()
    await scenario.product("OAK-1", stock=5)
    assert await scenario.refusal(command) == expected


async def test_adjusting_below_what_open_orders_reserved_is_an_invalid_state() -> None:
    scenario = Scenario()
    await scenario.product("OAK-1", stock=5)
    await scenario.order(("OAK-1", 4))
    refusal = await scenario.refusal(AdjustStock(sku="OAK-1", delta=-2, reason="damaged"))
    assert refusal == [("INVALID_STATE", "delta")]
