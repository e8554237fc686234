"""Every mutation over HTTP: its happy path, its typed refusals with field paths, and nothing written on refusal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api.conftest import Api, placed_order, product_input, stocked_product

pytestmark = pytest.mark.elasticsearch


def codes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(error["code"], error["field"]) for error in result["errors"]]


async def read(api: Api, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
    body = await api.graphql(query, {**variables, "token": token}, api.token())
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


PRODUCT = """query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) {
  id sku name description brand categoryPath price { amount currency } attributes { name value } status
  stock { onHand reserved available } inStock version } }"""
ORDER = """query($id: ID!, $token: String) { order(id: $id, consistencyToken: $token) {
  id customerId status total { amount currency } version lines { sku productName quantity unitPrice { amount }
  lineTotal { amount } } } }"""


async def test_create_product_returns_its_id_version_and_a_token_that_reads_it_back(api: Api) -> None:
    result = await api.command("createProduct", product_input())
    assert result["ok"] is True
    assert result["errors"] == []
    assert result["version"] == 1
    product = (await read(api, PRODUCT, result["consistencyToken"], id=result["aggregateId"]))["product"]
    assert product == {
        "id": result["aggregateId"],
        "sku": "OAK-1",
        "name": "Oak dining chair",
        "description": "Solid oak, oiled.",
        "brand": "Acme",
        "categoryPath": ["Furniture", "Chairs"],
        "price": {"amount": "129.90", "currency": "EUR"},
        "attributes": [{"name": "color", "value": "oak"}],
        "status": "ACTIVE",
        "stock": {"onHand": 0, "reserved": 0, "available": 0},
        "inStock": False,
        "version": 1,
    }


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": ""}, [("VALIDATION", "name")]),
        ({"name": "x" * 201}, [("VALIDATION", "name")]),
        ({"sku": ""}, [("VALIDATION", "sku")]),
        ({"sku": "S" * 65}, [("VALIDATION", "sku")]),
        ({"price": {"amount": "-1.00", "currency": "EUR"}}, [("VALIDATION", "price.amount")]),
        ({"price": {"amount": "abc", "currency": "EUR"}}, [("VALIDATION", "price.amount")]),
        ({"price": {"amount": "1.999", "currency": "EUR"}}, [("VALIDATION", "price.amount")]),
        ({"price": {"amount": "1.00", "currency": "XYZ"}}, [("VALIDATION", "price.currency")]),
        ({"attributes": [{"name": "", "value": "v"}]}, [("VALIDATION", "attributes.0.name")]),
        ({"name": "", "sku": ""}, [("VALIDATION", "sku"), ("VALIDATION", "name")]),
    ],
)
async def test_invalid_product_input_is_refused_with_field_paths_and_writes_nothing(
    api: Api, overrides: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    before = await api.outbox_rows()
    result = await api.command("createProduct", product_input(**overrides))
    assert result["ok"] is False
    assert sorted(codes(result)) == sorted(expected)
    assert result["aggregateId"] is None
    assert result["consistencyToken"] is None
    assert await api.outbox_rows() == before


async def test_a_duplicate_sku_is_refused_and_writes_nothing(api: Api) -> None:
    assert (await api.command("createProduct", product_input()))["ok"]
    before = await api.outbox_rows()
    result = await api.command("createProduct", product_input(name="Another chair"))
    assert codes(result) == [("DUPLICATE", "sku")]
    assert await api.outbox_rows() == before


async def test_update_product_details_changes_only_what_is_given(api: Api) -> None:
    product_id = await stocked_product(api, quantity=0)
    result = await api.command("updateProductDetails", {"productId": product_id, "name": "Oak armchair", "brand": ""})
    assert result["ok"]
    assert result["version"] == 2
    product = (await read(api, PRODUCT, result["consistencyToken"], id=product_id))["product"]
    assert (product["name"], product["brand"], product["description"]) == ("Oak armchair", None, "Solid oak, oiled.")


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(api: Api) -> None:
    product_id = await stocked_product(api, quantity=0)
    assert (await api.command("changeProductPrice", {
        "productId": product_id, "expectedVersion": 1, "price": {"amount": "99.00", "currency": "EUR"}
    }))["ok"]  # fmt: skip
    before = await api.outbox_rows()
    stale: list[tuple[str, dict[str, Any]]] = [
        ("updateProductDetails", {"name": "Too late"}),
        ("changeProductPrice", {"price": {"amount": "1.00", "currency": "EUR"}}),
        ("discontinueProduct", {}),
    ]
    for mutation, extra in stale:
        result = await api.command(mutation, {"productId": product_id, "expectedVersion": 1, **extra})
        assert [code for code, _ in codes(result)] == ["CONFLICT"], (mutation, result)
    assert await api.outbox_rows() == before


async def test_commands_on_an_unknown_product_are_not_found(api: Api) -> None:
    result = await api.command("changeProductPrice", {"productId": "nope", "price": {"amount": "1", "currency": "EUR"}})
    assert codes(result) == [("NOT_FOUND", "productId")]
    result = await api.command("receiveStock", {"sku": "NOPE", "quantity": 1})
    assert codes(result) == [("NOT_FOUND", "sku")]


async def test_change_price_and_discontinue(api: Api) -> None:
    product_id = await stocked_product(api, quantity=0)
    changed = await api.command(
        "changeProductPrice", {"productId": product_id, "price": {"amount": "99.5", "currency": "eur"}}
    )
    assert changed["ok"], changed
    discontinued = await api.command("discontinueProduct", {"productId": product_id, "expectedVersion": 2})
    assert discontinued["ok"]
    assert discontinued["version"] == 3
    product = (await read(api, PRODUCT, discontinued["consistencyToken"], id=product_id))["product"]
    assert product["price"] == {"amount": "99.50", "currency": "EUR"}
    assert product["status"] == "DISCONTINUED"
    again = await api.command("discontinueProduct", {"productId": product_id})
    assert [code for code, _ in codes(again)] == ["INVALID_STATE"]


async def test_receive_and_adjust_stock(api: Api) -> None:
    product_id = await stocked_product(api, quantity=5)
    adjusted = await api.command("adjustStock", {"sku": "OAK-1", "delta": -2, "reason": "damaged in transit"})
    assert adjusted["ok"], adjusted
    stock = (await read(api, PRODUCT, adjusted["consistencyToken"], id=product_id))["product"]["stock"]
    assert stock == {"onHand": 3, "reserved": 0, "available": 3}


@pytest.mark.parametrize(
    ("mutation", "input", "expected"),
    [
        ("receiveStock", {"sku": "OAK-1", "quantity": 0}, [("VALIDATION", "quantity")]),
        ("receiveStock", {"sku": "OAK-1", "quantity": -3}, [("VALIDATION", "quantity")]),
        ("adjustStock", {"sku": "OAK-1", "delta": 0, "reason": "none"}, [("VALIDATION", "delta")]),
        ("adjustStock", {"sku": "OAK-1", "delta": 1, "reason": " "}, [("VALIDATION", "reason")]),
        ("adjustStock", {"sku": "OAK-1", "delta": -6, "reason": "lost"}, [("INVALID_STATE", "delta")]),
    ],
)
async def test_invalid_stock_changes_are_refused_and_write_nothing(
    api: Api, mutation: str, input: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    await stocked_product(api, quantity=5)
    before = await api.outbox_rows()
    result = await api.command(mutation, input)
    assert codes(result) == expected
    assert await api.outbox_rows() == before


async def test_an_order_reserves_stock_and_goes_through_payment_and_shipping(api: Api) -> None:
    product_id = await stocked_product(api, quantity=5, price="10.00")
    placed = await placed_order(api, quantity=2)
    order = (await read(api, ORDER, placed["consistencyToken"], id=placed["aggregateId"]))["order"]
    assert order["status"] == "PLACED"
    assert order["total"] == {"amount": "20.00", "currency": "EUR"}
    assert order["lines"] == [{"sku": "OAK-1", "productName": "Oak dining chair", "quantity": 2,
                               "unitPrice": {"amount": "10.00"}, "lineTotal": {"amount": "20.00"}}]  # fmt: skip
    stock = (await read(api, PRODUCT, placed["consistencyToken"], id=product_id))["product"]["stock"]
    assert stock == {"onHand": 5, "reserved": 2, "available": 3}

    paid = await api.command(
        "payOrder", {"orderId": placed["aggregateId"], "amount": {"amount": "20", "currency": "EUR"}}
    )
    assert paid["ok"], paid
    shipped = await api.command("shipOrder", {"orderId": placed["aggregateId"]})
    assert shipped["ok"], shipped
    order = (await read(api, ORDER, shipped["consistencyToken"], id=placed["aggregateId"]))["order"]
    assert (order["status"], order["version"]) == ("SHIPPED", shipped["version"])
    stock = (await read(api, PRODUCT, shipped["consistencyToken"], id=product_id))["product"]["stock"]
    assert stock == {"onHand": 3, "reserved": 0, "available": 3}

    cancelled = await api.command("cancelOrder", {"orderId": placed["aggregateId"]})
    assert [code for code, _ in codes(cancelled)] == ["INVALID_STATE"]


async def test_cancelling_an_order_releases_its_reservation(api: Api) -> None:
    product_id = await stocked_product(api, quantity=5)
    placed = await placed_order(api, quantity=4)
    cancelled = await api.command("cancelOrder", {"orderId": placed["aggregateId"], "reason": "changed my mind"})
    assert cancelled["ok"], cancelled
    stock = (await read(api, PRODUCT, cancelled["consistencyToken"], id=product_id))["product"]["stock"]
    assert stock == {"onHand": 5, "reserved": 0, "available": 5}


async def test_order_refusals_name_the_offending_line(api: Api) -> None:
    await stocked_product(api, "A-1", quantity=5)
    await stocked_product(api, "B-1", quantity=1)
    before = await api.outbox_rows()
    lines = [{"sku": "A-1", "quantity": 2}, {"sku": "B-1", "quantity": 1}, {"sku": "A-1", "quantity": 0}]
    invalid = await api.command("placeOrder", {"customerId": "c-1", "lines": lines})
    assert ("VALIDATION", "lines.2.quantity") in codes(invalid)
    short = await api.command("placeOrder", {"customerId": "c-1", "lines": [{"sku": "A-1", "quantity": 1},
                                                                           {"sku": "B-1", "quantity": 2}]})  # fmt: skip
    assert codes(short) == [("INSUFFICIENT_STOCK", "lines.1.quantity")]
    unknown = await api.command("placeOrder", {"customerId": "c-1", "lines": [{"sku": "NOPE", "quantity": 1}]})
    assert codes(unknown) == [("NOT_FOUND", "lines.0.sku")]
    empty = await api.command("placeOrder", {"customerId": "c-1", "lines": []})
    assert codes(empty) == [("VALIDATION", "lines")]
    assert await api.outbox_rows() == before


async def test_a_discontinued_product_cannot_be_ordered(api: Api) -> None:
    product_id = await stocked_product(api, quantity=5)
    assert (await api.command("discontinueProduct", {"productId": product_id}))["ok"]
    result = await api.command("placeOrder", {"customerId": "c-1", "lines": [{"sku": "OAK-1", "quantity": 1}]})
    assert codes(result) == [("INVALID_STATE", "lines.0")]


async def test_payment_must_equal_the_total_and_only_paid_orders_ship(api: Api) -> None:
    await stocked_product(api, quantity=5, price="10.00")
    placed = await placed_order(api, quantity=1)
    before = await api.outbox_rows()
    wrong = await api.command(
        "payOrder", {"orderId": placed["aggregateId"], "amount": {"amount": "9.99", "currency": "EUR"}}
    )
    assert [code for code, _ in codes(wrong)] == ["INVALID_STATE"]
    malformed = await api.command(
        "payOrder", {"orderId": placed["aggregateId"], "amount": {"amount": "ten", "currency": "EUR"}}
    )
    assert codes(malformed) == [("VALIDATION", "amount.amount")]
    unpaid = await api.command("shipOrder", {"orderId": placed["aggregateId"]})
    assert [code for code, _ in codes(unpaid)] == ["INVALID_STATE"]
    missing = await api.command("shipOrder", {"orderId": "nope"})
    assert codes(missing) == [("NOT_FOUND", "orderId")]
    assert await api.outbox_rows() == before


async def test_an_over_long_idempotency_key_is_refused(api: Api) -> None:
    result = await api.command("createProduct", product_input(idempotencyKey="k" * 201))
    assert codes(result) == [("VALIDATION", "idempotencyKey")]
