"""The demo catalog's data: deterministic, realistic, and orders that the stock can always serve."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from api.demo.assortment import purchasable_skus, stock_levels
from api.demo.catalog_data import BRANDS, SEED, product, products
from api.demo.orders_data import CUSTOMERS, ORDER_POOL, orders
from domain.model.new_products import product_created_by
from tests.unit.domain.fakes import NOW


def test_product_i_is_the_same_on_every_call_and_in_any_slice() -> None:
    assert product(1234) == product(1234)
    assert list(products(10, 13)) == [product(10), product(11), product(12)]


def test_products_have_a_three_level_category_a_positive_price_and_attributes() -> None:
    for created in products(0, 200):
        assert len(created.category_path) == 3
        assert Decimal(created.price_amount) > 0
        options = {name for variant in created.variants or () for name, _ in variant.options}
        assert {name for name, _ in created.attributes} | options >= {"color", "material"}


def test_a_third_of_the_products_come_in_three_to_twelve_variants_the_model_accepts() -> None:
    made = list(products(0, 600))
    with_variants = [created for created in made if created.variants is not None]
    assert 150 < len(with_variants) < 250
    assert {len(created.variants or ()) for created in with_variants} <= set(range(3, 13))
    for created in made:
        product_created_by(created, NOW)  # refuses anything the model would refuse


def test_every_product_has_its_own_slug_and_images_on_this_service() -> None:
    made = list(products(0, 1000)) + list(products(0, 1000, sku_prefix="BENCH"))
    assert len({created.slug for created in made}) == 2000
    assert made[42].slug == "modern-granite-office-chair-sku-42"
    assert all(1 <= len(created.images) <= 3 for created in made)
    assert all(image.url.startswith("/demo/images/") for created in made for image in created.images)


def test_a_few_brands_dominate_as_in_real_shops() -> None:
    brands = Counter(created.brand for created in products(0, 2000))
    assert brands[BRANDS[0]] > 5 * brands[BRANDS[10]]


def test_some_skus_are_sold_out_and_none_has_negative_stock() -> None:
    units = [units for index in range(1000) for _, units in stock_levels(index, product(index), seed=SEED)]
    assert 0.05 < units.count(0) / len(units) < 0.25
    assert min(units) == 0


def test_stock_is_given_for_each_purchasable_sku() -> None:
    for index in range(100):
        created = product(index)
        assert [sku for sku, _ in stock_levels(index, created, seed=SEED)] == purchasable_skus(created)


def test_orders_never_reserve_more_than_the_stock_on_hand() -> None:
    reserved: Counter[str] = Counter()
    for order in orders(1000, "SKU"):
        for line in order.lines:
            reserved[line.sku] += line.quantity
    on_hand = dict(level for index in range(ORDER_POOL) for level in stock_levels(index, product(index), seed=SEED))
    assert reserved
    assert all(quantity <= on_hand[sku] for sku, quantity in reserved.items())


def test_an_orders_total_is_the_sum_of_its_lines_at_the_prices_the_model_gives() -> None:
    prices = {
        variant.sku: variant.price(created.price)
        for created in (product_created_by(product(index), NOW) for index in range(ORDER_POOL))
        for variant in created.variants
    }
    for order in orders(1000, "SKU"):
        assert order.total == sum(prices[line.sku].amount * line.quantity for line in order.lines)


def test_every_customer_has_orders_and_only_paid_orders_ship() -> None:
    placed = orders(1000, "SKU")
    assert {order.customer_id for order in placed} == set(CUSTOMERS)
    assert any(order.paid and not order.shipped for order in placed)
    assert any(order.shipped for order in placed)
    assert not any(order.shipped and not order.paid for order in placed)


def test_catalogs_of_any_size_from_the_order_pool_up_have_the_same_orders() -> None:
    assert orders(ORDER_POOL, "SKU") == orders(10_000, "SKU")
