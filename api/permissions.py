"""Who may do what: the scope each command needs, and whose orders a caller may read.

catalog:write    product and variant commands inventory:write  stock commands
orders:write     any order command            orders:read      read any order
orders:place     a customer token (`sub` is the customer): place orders for itself, pay or cancel its own
                 orders, read its own orders.
webhooks:manage  register, remove and list webhooks
"""

from __future__ import annotations

import dataclasses

from api.auth import AccessDenied, Caller
from api.scopes import Scope
from domain.model.commands import (
    AddProductVariant,
    AdjustStock,
    CancelOrder,
    ChangeProductPrice,
    Command,
    CreateProduct,
    DiscontinueProduct,
    DiscontinueProductVariant,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    RegisterWebhook,
    RemoveWebhook,
    ShipOrder,
    UpdateProductDetails,
    UpdateProductVariant,
)
from domain.model.errors import ErrorCode

_COMMAND_SCOPES: dict[type[Command], Scope] = {
    CreateProduct: Scope.CATALOG_WRITE,
    UpdateProductDetails: Scope.CATALOG_WRITE,
    ChangeProductPrice: Scope.CATALOG_WRITE,
    DiscontinueProduct: Scope.CATALOG_WRITE,
    AddProductVariant: Scope.CATALOG_WRITE,
    UpdateProductVariant: Scope.CATALOG_WRITE,
    DiscontinueProductVariant: Scope.CATALOG_WRITE,
    ReceiveStock: Scope.INVENTORY_WRITE,
    AdjustStock: Scope.INVENTORY_WRITE,
    PlaceOrder: Scope.ORDERS_WRITE,
    PayOrder: Scope.ORDERS_WRITE,
    ShipOrder: Scope.ORDERS_WRITE,
    CancelOrder: Scope.ORDERS_WRITE,
    RegisterWebhook: Scope.WEBHOOKS_MANAGE,
    RemoveWebhook: Scope.WEBHOOKS_MANAGE,
}


def authorize_command(caller: Caller, command: Command) -> Command:
    """The command as this caller may send it, or AccessDenied(FORBIDDEN). A customer token's pay and cancel
    commands are narrowed to its own orders (the domain refuses other customers' orders)."""
    scope = _COMMAND_SCOPES[type(command)]
    if caller.has(scope):
        return command
    customer = caller.customer_id
    if scope is Scope.ORDERS_WRITE and customer is not None:
        if isinstance(command, PlaceOrder):
            if command.customer_id.strip() != customer:
                raise AccessDenied(ErrorCode.FORBIDDEN, "a customer token places orders for itself only", "customerId")
            return command
        if isinstance(command, PayOrder | CancelOrder):
            return dataclasses.replace(command, on_behalf_of_customer=customer)
    raise AccessDenied(ErrorCode.FORBIDDEN, f"this operation needs the {scope.value} scope")


def require(caller: Caller, scope: Scope) -> None:
    """AccessDenied(FORBIDDEN) unless the caller's token has `scope`."""
    if not caller.has(scope):
        raise AccessDenied(ErrorCode.FORBIDDEN, f"this operation needs the {scope.value} scope")


def readable_orders(caller: Caller, customer_id: str | None) -> str | None:
    """Whose orders this caller lists, given the customerId it asked for: None means everyone's. A customer token
    lists its own, whichever customerId it names: another customer's orders are never told apart from none."""
    if caller.has(Scope.ORDERS_READ):
        return customer_id
    if not caller.has(Scope.ORDERS_PLACE):
        raise AccessDenied(ErrorCode.FORBIDDEN, "reading orders needs the orders:read scope or a customer token")
    return caller.subject


def may_read_order(caller: Caller, order_customer_id: str) -> bool:
    """Whether the caller sees this order; one it may not see reads as no order at all."""
    return readable_orders(caller, None) in (None, order_customer_id)
