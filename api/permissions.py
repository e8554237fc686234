"""Who may do what: the scope each command needs, a customer token's narrower rights, who reads which orders.

The scopes are listed in `api.auth`'s docstring and `api.scopes`; these checks raise `AccessDenied` (FORBIDDEN),
which the GraphQL layer turns into a typed error.
"""

from __future__ import annotations

import dataclasses

from api.auth import AccessDenied, Caller
from api.scopes import Scope
from domain.model.commands import (
    AdjustStock,
    CancelOrder,
    ChangeProductPrice,
    Command,
    CreateProduct,
    DiscontinueProduct,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    RegisterWebhook,
    RemoveWebhook,
    ShipOrder,
    UpdateProductDetails,
)
from domain.model.errors import ErrorCode

_COMMAND_SCOPES: dict[type[Command], Scope] = {
    CreateProduct: Scope.CATALOG_WRITE,
    UpdateProductDetails: Scope.CATALOG_WRITE,
    ChangeProductPrice: Scope.CATALOG_WRITE,
    DiscontinueProduct: Scope.CATALOG_WRITE,
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
    """Whose orders this caller may list, given the customerId it asked for: None means everyone's."""
    if caller.has(Scope.ORDERS_READ):
        return customer_id
    own = caller.subject if caller.has(Scope.ORDERS_PLACE) else None
    if own is None:
        raise AccessDenied(ErrorCode.FORBIDDEN, "reading orders needs the orders:read scope or a customer token")
    if customer_id is not None and customer_id != own:
        raise AccessDenied(ErrorCode.FORBIDDEN, "a customer token reads its own orders only", "customerId")
    return own


def check_order_readable(caller: Caller, order_customer_id: str) -> None:
    if readable_orders(caller, None) not in (None, order_customer_id):
        raise AccessDenied(ErrorCode.FORBIDDEN, "a customer token reads its own orders only", "id")
