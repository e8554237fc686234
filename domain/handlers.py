"""One function per command: check its input into model values, load, call one aggregate method, commit.

Every business rule lives in the model; a handler only decides what to load and which method runs.
"""

from __future__ import annotations

from datetime import datetime

from domain.model.catalog import Product
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
from domain.model.inventory import StockAdjustment, StockReceipt
from domain.model.money import Money
from domain.model.order_lines import OrderRequest
from domain.model.orders import Order, cancellation_reason, unknown_order
from domain.model.quoting import quoted
from domain.ports import Handler, Outcome, SkuTaken, UnitOfWork


async def _product(uow: UnitOfWork, product_id: str) -> Product:
    product = await uow.products.get(product_id)
    if product is None:
        raise NotFound(f"no product with id {quoted(product_id)}", "productId")
    return product


async def _product_by_sku(uow: UnitOfWork, sku: str) -> Product:
    product = await uow.products.get_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with sku {quoted(sku)}", "sku")
    return product


async def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise unknown_order(order_id)
    return order


def product_created_by(command: CreateProduct, now: datetime) -> Product:
    """The new product a CreateProduct asks for, not yet stored (the benchmarks seed rows with it too)."""
    return Product.create(
        sku=command.sku,
        name=command.name,
        price_amount=command.price_amount,
        price_currency=command.price_currency,
        description=command.description,
        brand=command.brand,
        category_path=command.category_path,
        attributes=command.attributes,
        now=now,
    )


async def create_product(command: CreateProduct, uow: UnitOfWork) -> Outcome:
    """The sku's UNIQUE constraint finds a duplicate as the product is written: no lookup before it."""
    product = product_created_by(command, uow.now())
    uow.products.add(product)
    try:
        return await uow.commit(product)
    except SkuTaken:
        raise Duplicate(f"a product with sku {quoted(product.sku)} exists already", "sku") from None


async def update_product_details(command: UpdateProductDetails, uow: UnitOfWork) -> Outcome:
    product = await _product(uow, command.product_id)
    product.update_details(
        expected_version=command.expected_version,
        name=command.name,
        description=command.description,
        brand=command.brand,
        category_path=command.category_path,
        attributes=command.attributes,
        now=uow.now(),
    )
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
    receipt = StockReceipt.checked(command.sku, command.quantity)
    product = await _product_by_sku(uow, receipt.sku)
    product.receive_stock(receipt, uow.now())
    return await uow.commit(product)


async def adjust_stock(command: AdjustStock, uow: UnitOfWork) -> Outcome:
    adjustment = StockAdjustment.checked(command.sku, command.delta, command.reason)
    product = await _product_by_sku(uow, adjustment.sku)
    product.adjust_stock(adjustment, uow.now())
    return await uow.commit(product)


async def place_order(command: PlaceOrder, uow: UnitOfWork) -> Outcome:
    request = OrderRequest.checked(command.customer_id, [(line.sku, line.quantity) for line in command.lines])
    products = await uow.products.lock_by_skus(request.skus)
    order = Order.place(request, products, uow.now())
    uow.orders.add(order)
    return await uow.commit(order)


async def pay_order(command: PayOrder, uow: UnitOfWork) -> Outcome:
    amount = Money.checked("amount", command.amount, command.currency)
    order = await _order(uow, command.order_id)
    order.pay(amount, command.on_behalf_of_customer, uow.now())
    return await uow.commit(order)


async def ship_order(command: ShipOrder, uow: UnitOfWork) -> Outcome:
    order = await _order(uow, command.order_id)
    products = await uow.products.lock_by_skus(order.skus)
    order.ship(products, uow.now())
    return await uow.commit(order)


async def cancel_order(command: CancelOrder, uow: UnitOfWork) -> Outcome:
    reason = cancellation_reason(command.reason)
    order = await _order(uow, command.order_id)
    products = await uow.products.lock_by_skus(order.skus)
    order.cancel(reason, command.on_behalf_of_customer, products, uow.now())
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
