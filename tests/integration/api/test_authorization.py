"""Who may do what, over HTTP: no token, a wrong scope, an expired token, a customer acting for someone else."""

from __future__ import annotations

from typing import Any

import jwt
import orjson
import pytest

from tests.integration.api.conftest import SECRET, Api, placed_order, product_input, stocked_product

pytestmark = pytest.mark.elasticsearch

MUTATIONS: dict[str, dict[str, Any]] = {
    "createProduct": product_input(),
    "updateProductDetails": {"productId": "p", "name": "n"},
    "changeProductPrice": {"productId": "p", "price": {"amount": "1", "currency": "EUR"}},
    "discontinueProduct": {"productId": "p"},
    "receiveStock": {"sku": "S", "quantity": 1},
    "adjustStock": {"sku": "S", "delta": 1, "reason": "r"},
    "placeOrder": {"customerId": "c", "lines": [{"sku": "S", "quantity": 1}]},
    "payOrder": {"orderId": "o", "amount": {"amount": "1", "currency": "EUR"}},
    "shipOrder": {"orderId": "o"},
    "cancelOrder": {"orderId": "o"},
    "registerWebhook": {"url": "https://example.com/hooks", "events": ["ORDER_PLACED"], "secret": "s" * 20},
    "removeWebhook": {"webhookId": "w"},
}
SCOPE_OF = {
    "createProduct": "catalog:write",
    "updateProductDetails": "catalog:write",
    "changeProductPrice": "catalog:write",
    "discontinueProduct": "catalog:write",
    "receiveStock": "inventory:write",
    "adjustStock": "inventory:write",
    "placeOrder": "orders:write",
    "payOrder": "orders:write",
    "shipOrder": "orders:write",
    "cancelOrder": "orders:write",
    "registerWebhook": "webhooks:manage",
    "removeWebhook": "webhooks:manage",
}


def first_code(result: dict[str, Any]) -> str:
    assert result["ok"] is False, result
    code: str = result["errors"][0]["code"]
    return code


async def test_every_mutation_without_a_token_is_unauthenticated_and_writes_nothing(api: Api) -> None:
    for mutation, input in MUTATIONS.items():
        assert first_code(await api.command(mutation, input, token=None)) == "UNAUTHENTICATED", mutation
    assert await api.outbox_rows() == 0


@pytest.mark.parametrize(
    "bad_token",
    [
        "garbage",
        jwt.encode({"sub": "x", "scope": "catalog:write", "exp": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "x", "scope": "catalog:write", "exp": 4102444800}, "x" * 40, algorithm="HS256"),
    ],
    ids=["garbage", "expired", "wrong-signature"],
)
async def test_a_bad_or_expired_token_is_unauthenticated_and_the_reply_does_not_echo_it(
    api: Api, bad_token: str
) -> None:
    response = await api.post(
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { ok errors { code message } } }",
        {"i": product_input()},
        bad_token,
    )
    result = response.json()["data"]["createProduct"]
    assert first_code(result) == "UNAUTHENTICATED"
    assert bad_token not in response.text
    assert SECRET not in response.text


async def test_every_mutation_needs_its_own_scope(api: Api) -> None:
    for mutation, input in MUTATIONS.items():
        others = {scope for scope in SCOPE_OF.values() if scope != SCOPE_OF[mutation]} | {"orders:read"}
        result = await api.command(mutation, input, token=api.token(*sorted(others)))
        assert first_code(result) == "FORBIDDEN", mutation
    assert await api.outbox_rows() == 0


async def test_a_customer_places_orders_for_itself_only(api: Api) -> None:
    await stocked_product(api, quantity=5)
    customer = api.token("orders:place", customer="alice")
    own = await api.command("placeOrder", {"customerId": "alice", "lines": [{"sku": "OAK-1", "quantity": 1}]}, customer)
    assert own["ok"], own
    before = await api.outbox_rows()
    other = await api.command("placeOrder", {"customerId": "bob", "lines": [{"sku": "OAK-1", "quantity": 1}]}, customer)
    assert (first_code(other), other["errors"][0]["field"]) == ("FORBIDDEN", "customerId")
    assert await api.outbox_rows() == before


async def test_a_customer_pays_and_cancels_its_own_orders_only(api: Api) -> None:
    await stocked_product(api, quantity=5, price="10.00")
    bobs = await placed_order(api, customer="bob")
    alice = api.token("orders:place", customer="alice")
    before = await api.outbox_rows()
    pay = await api.command(
        "payOrder", {"orderId": bobs["aggregateId"], "amount": {"amount": "10", "currency": "EUR"}}, alice
    )
    assert first_code(pay) == "NOT_FOUND"
    cancel = await api.command("cancelOrder", {"orderId": bobs["aggregateId"]}, alice)
    assert first_code(cancel) == "NOT_FOUND"
    ship = await api.command("shipOrder", {"orderId": bobs["aggregateId"]}, alice)
    assert first_code(ship) == "FORBIDDEN"
    assert await api.outbox_rows() == before

    bob = api.token("orders:place", customer="bob")
    paid = await api.command(
        "payOrder", {"orderId": bobs["aggregateId"], "amount": {"amount": "10", "currency": "EUR"}}, bob
    )
    assert paid["ok"], paid


ORDER = "query($id: ID!, $t: String) { order(id: $id, consistencyToken: $t) { id customerId } }"
ORDERS = """query($c: ID, $t: String) {
  orders(customerId: $c, consistencyToken: $t) { totalCount edges { node { customerId } } } }"""


def error_code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def test_reading_orders_needs_a_token_and_a_customer_sees_only_its_own(api: Api) -> None:
    await stocked_product(api, quantity=5)
    await placed_order(api, customer="alice")
    bobs = await placed_order(api, customer="bob")
    token = bobs["consistencyToken"]

    assert error_code(await api.graphql(ORDER, {"id": bobs["aggregateId"]})) == "UNAUTHENTICATED"
    assert error_code(await api.graphql(ORDERS, {})) == "UNAUTHENTICATED"

    alice = api.token("orders:place", customer="alice")
    assert await api.graphql(ORDER, {"id": bobs["aggregateId"], "t": token}, alice) == {"data": {"order": None}}
    own = await api.graphql(ORDERS, {"t": token}, alice)
    assert own["data"]["orders"]["totalCount"] == 1
    assert own["data"]["orders"]["edges"] == [{"node": {"customerId": "alice"}}]
    assert await api.graphql(ORDERS, {"c": "bob", "t": token}, alice) == own

    bob = api.token("orders:place", customer="bob")
    bobs_view = await api.graphql(ORDER, {"id": bobs["aggregateId"], "t": token}, bob)
    assert bobs_view["data"]["order"]["customerId"] == "bob"

    catalog_staff = api.token("catalog:write")
    assert error_code(await api.graphql(ORDERS, {}, catalog_staff)) == "FORBIDDEN"

    reader = api.token("orders:read")
    every = await api.graphql(ORDERS, {"t": token}, reader)
    assert every["data"]["orders"]["totalCount"] == 2
    one = await api.graphql(ORDERS, {"c": "bob", "t": token}, reader)
    assert one["data"]["orders"]["edges"] == [{"node": {"customerId": "bob"}}]


async def test_another_customers_order_is_answered_exactly_like_an_unknown_one(api: Api) -> None:
    await stocked_product(api, quantity=5, price="10.00")
    bobs = await placed_order(api, customer="bob")
    alice = api.token("orders:place", customer="alice")

    others = await answers_about(api, bobs["aggregateId"], alice, bobs["consistencyToken"])
    unknowns = await answers_about(api, "00000000-0000-4000-8000-000000000000", alice, bobs["consistencyToken"])

    assert others == unknowns
    assert others["order"] == {"data": {"order": None}}
    assert [(e["code"], e["field"]) for e in others["payOrder"]["errors"]] == [("NOT_FOUND", "orderId")]
    assert await api.graphql(ORDERS, {"c": "bob"}, alice) == await api.graphql(ORDERS, {"c": "nobody"}, alice)


async def answers_about(api: Api, order_id: str, token: str, consistency_token: str) -> dict[str, Any]:
    """What the token's holder is told about `order_id`, with the id itself written out of the messages."""
    amount = {"amount": "10", "currency": "EUR"}
    replies = {
        "order": await api.graphql(ORDER, {"id": order_id, "t": consistency_token}, token),
        "payOrder": await api.command("payOrder", {"orderId": order_id, "amount": amount}, token),
        "cancelOrder": await api.command("cancelOrder", {"orderId": order_id}, token),
    }
    written_out: dict[str, Any] = orjson.loads(orjson.dumps(replies).replace(order_id.encode(), b"<id>"))
    return written_out
