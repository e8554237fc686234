"""The demo catalog's data: deterministic, realistic, and orders that the stock can always serve."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from api.demo.catalog_data import BRANDS, product, products, stock_on_hand
from api.demo.orders_data import CUSTOMERS, ORDER_POOL, orders


def test_product_i_is_the_same_on_every_call_and_in_any_slice() -> None:
    assert product(1234) == product(1234)
    assert list(products(10, 13)) == [product(10), product(11), product(12)]


def test_products_have_a_three_level_category_a_positive_price_and_attributes() -> None:
    for created in products(0, 200):
        assert len(created.category_path) == 3
        assert Decimal(created.price_amount) > 0
        assert {name for name, _ in created.attributes} >= {"color", "material"}


def test_a_few_brands_dominate_as_in_real_shops() -> None:
    brands = Counter(created.brand for created in products(0, 2000))
    assert brands[BRANDS[0]] > 5 * brands[BRANDS[10]]


def test_some_products_are_sold_out_and_none_has_negative_stock() -> None:
    units = [stock_on_hand(index) for index in range(1000)]
    assert 50 < units.count(0) < 250
    assert min(units) == 0


def test_orders_never_reserve_more_than_the_stock_on_hand() -> None:
    reserved: Counter[str] = Counter()
    for order in orders(1000, "SKU"):
        for line in order.lines:
            reserved[line.sku] += line.quantity
    on_hand = {product(index).sku: stock_on_hand(index) for index in range(ORDER_POOL)}
    assert reserved
    assert all(quantity <= on_hand[sku] for sku, quantity in reserved.items())


def test_an_orders_total_is_the_sum_of_its_lines_at_the_products_prices() -> None:
    prices = {product(index).sku: Decimal(product(index).price_amount) for index in range(ORDER_POOL)}
    for order in orders(1000, "SKU"):
        assert order.total == sum(prices[line.sku] * line.quantity for line in order.lines)


def test_every_customer_has_orders_and_only_paid_orders_ship() -> None:
    placed = orders(1000, "SKU")
    assert {order.customer_id for order in placed} == set(CUSTOMERS)
    assert any(order.paid and not order.shipped for order in placed)
    assert any(order.shipped for order in placed)
    assert not any(order.shipped and not order.paid for order in placed)


def test_catalogs_of_any_size_from_the_order_pool_up_have_the_same_orders() -> None:
    assert orders(ORDER_POOL, "SKU") == orders(10_000, "SKU")
