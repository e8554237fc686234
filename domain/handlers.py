"""One function per command: load the aggregates, call the model, commit. No business rule lives here."""

from __future__ import annotations

from domain.model import input_limits
from domain.model.catalog import Product, check_sku
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
    ShipOrder,
    UpdateProductDetails,
)
from domain.model.errors import Duplicate, NotFound
from domain.model.money import Money
from domain.model.orders import Order, check_order_lines
from domain.model.validation import Checks
from domain.ports import Handler, Outcome, SkuTaken, UnitOfWork


async def _product(uow: UnitOfWork, product_id: str) -> Product:
    product = await uow.products.get(product_id)
    if product is None:
        raise NotFound(f"no product with id {product_id}", "productId")
    return product


async def _product_by_sku(uow: UnitOfWork, sku: str) -> Product:
    product = await uow.products.get_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with sku {sku}", "sku")
    return product


async def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", "orderId")
    return order


async def create_product(command: CreateProduct, uow: UnitOfWork) -> Outcome:
    """The sku's UNIQUE constraint finds a duplicate as the product is written: no lookup before it."""
    product = Product.create(command, uow.now())
    uow.products.add(product)
    try:
        return await uow.commit(product)
    except SkuTaken:
        raise Duplicate(f"a product with sku {product.sku} exists already", "sku") from None


async def update_product_details(command: UpdateProductDetails, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.update_details(command, uow.now())
    return await uow.commit(product)


async def change_product_price(command: ChangeProductPrice, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.change_price(command.price_amount, command.price_currency, command.expected_version, uow.now())
    return await uow.commit(product)


async def discontinue_product(command: DiscontinueProduct, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.discontinue(command.expected_version, uow.now())
    return await uow.commit(product)


async def receive_stock(command: ReceiveStock, uow: UnitOfWork) -> Outcome:
    checks = Checks()
    sku = check_sku(checks, "sku", command.sku)
    checks.integer("quantity", command.quantity, minimum=1, maximum=input_limits.QUANTITY_MAX)
    checks.raise_if_any()
    product = await _product_by_sku(uow, sku)
    product.receive_stock(command.quantity, uow.now())
    return await uow.commit(product)


async def adjust_stock(command: AdjustStock, uow: UnitOfWork) -> Outcome:
    checks = Checks()
    sku = check_sku(checks, "sku", command.sku)
    checks.integer("delta", command.delta, minimum=-input_limits.QUANTITY_MAX, maximum=input_limits.QUANTITY_MAX)
    if command.delta == 0:
        checks.fail("delta", "must not be zero")
    reason = checks.text("reason", command.reason, max_length=input_limits.REASON_MAX) or ""
    checks.raise_if_any()
    product = await _product_by_sku(uow, sku)
    product.adjust_stock(command.delta, reason, uow.now())
    return await uow.commit(product)


async def place_order(command: PlaceOrder, uow: UnitOfWork) -> Outcome:
    customer_id, lines = check_order_lines(command)
    products = await uow.products.lock_by_skus([line.sku for line in lines])
    order = Order.place(customer_id, lines, products, uow.now())
    uow.orders.add(order)
    return await uow.commit(order)


async def pay_order(command: PayOrder, uow: UnitOfWork) -> Outcome:
    checks = Checks()
    amount = Money.parse(checks, "amount", command.amount, command.currency)
    checks.raise_if_any()
    assert amount is not None
    order = await _order(uow, command.order_id)
    order.check_customer(command.on_behalf_of_customer)
    order.pay(amount, uow.now())
    return await uow.commit(order)


async def ship_order(command: ShipOrder, uow: UnitOfWork) -> Outcome:
    order = await _order(uow, command.order_id)
    now = uow.now()
    order.ship(now)
    products = await uow.products.lock_by_skus([line.sku for line in order.lines])
    for line in order.lines:
        products[line.sku].ship(order.id, line.quantity, now)
    return await uow.commit(order)


async def cancel_order(command: CancelOrder, uow: UnitOfWork) -> Outcome:
    checks = Checks()
    reason = checks.text("reason", command.reason, max_length=input_limits.REASON_MAX, required=False)
    checks.raise_if_any()
    order = await _order(uow, command.order_id)
    order.check_customer(command.on_behalf_of_customer)
    now = uow.now()
    order.cancel(reason, now)
    products = await uow.products.lock_by_skus([line.sku for line in order.lines])
    for line in order.lines:
        products[line.sku].release(order.id, line.quantity, now)
    return await uow.commit(order)


COMMAND_HANDLERS: dict[type[Command], Handler] = {
    CreateProduct: create_product,
    UpdateProductDetails: update_product_details,
    ChangeProductPrice: change_product_price,
    DiscontinueProduct: discontinue_product,
    ReceiveStock: receive_stock,
    AdjustStock: adjust_stock,
    PlaceOrder: place_order,
    PayOrder: pay_order,
    ShipOrder: ship_order,
    CancelOrder: cancel_order,
}
