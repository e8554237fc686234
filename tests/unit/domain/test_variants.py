"""A product's variants in the model: created with the product or added later, their options, prices, statuses
and stock, and the rules they keep together."""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.model.catalog import Product, ProductStatus
from domain.model.commands import PriceRequest, VariantRequest
from domain.model.errors import DomainError, InvalidState, NotFound, ValidationFailed
from domain.model.events import (
    ProductCreated,
    ProductPriceChanged,
    ProductVariantAdded,
    ProductVariantDiscontinued,
    ProductVariantUpdated,
)
from domain.model.input_limits import ON_HAND_MAX, OPTIONS_MAX, VARIANTS_MAX
from domain.model.inventory import StockAdjustment, StockItem, StockReceipt
from domain.model.money import Money
from tests.unit.domain.test_products import create

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def variant(sku: str, size: str = "M", colour: str = "sand", price: str | None = None) -> VariantRequest:
    own = None if price is None else PriceRequest(amount=price, currency="EUR")
    return VariantRequest(sku=sku, options=(("size", size), ("colour", colour)), price=own)


def shirt(*variants: VariantRequest) -> Product:
    requests = variants or (variant("SHIRT-M", "M"), variant("SHIRT-L", "L", price="59.00"))
    return create(sku="SHIRT", name="Linen shirt", price_amount="49.00", variants=requests)


def refusal(error: DomainError) -> list[tuple[str, str | None]]:
    return [(problem.code.value, problem.field) for problem in error.problems]


def refused(action: Callable[..., object], *args: object, **kwargs: object) -> list[tuple[str, str | None]]:
    """The (code, field) of each problem of the refusal `action(*args, **kwargs)` must raise."""
    with pytest.raises(DomainError) as caught:
        action(*args, **kwargs)
    return refusal(caught.value)


def test_a_product_created_without_variants_has_one_with_its_sku_and_price_and_no_options() -> None:
    product = create()
    [only] = product.variants
    assert (only.sku, only.options, only.own_price, only.status) == ("SOFA-1", (), None, ProductStatus.ACTIVE)
    assert only.price(product.price) == Money(Decimal("499.90"), "EUR")


def test_a_product_created_with_variants_keeps_them_in_order_with_their_own_skus() -> None:
    product = shirt()
    assert [v.sku for v in product.variants] == ["SHIRT-M", "SHIRT-L"]
    assert [str(v.price(product.price).amount) for v in product.variants] == ["49.00", "59.00"]
    assert product.sku == "SHIRT"
    created = product.pending_events[0]
    assert isinstance(created, ProductCreated)
    assert [v.sku for v in created.variants] == ["SHIRT-M", "SHIRT-L"]


def test_a_variants_options_are_kept_in_the_products_option_order() -> None:
    swapped = VariantRequest(sku="SHIRT-L", options=(("colour", "sand"), ("size", "L")))
    product = shirt(variant("SHIRT-M"), swapped)
    assert product.variants[1].options == (("size", "L"), ("colour", "sand"))


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        ((variant("SHIRT"),), [("DUPLICATE", "variants.0.sku")]),
        ((variant("A", "M"), variant("A", "L")), [("DUPLICATE", "variants.1.sku")]),
        ((variant("A", "M"), variant("B", "M")), [("DUPLICATE", "variants.1.options")]),
        (
            (variant("A"), VariantRequest(sku="B", options=(("size", "L"),))),
            [("VALIDATION", "variants.1.options")],
        ),
        (
            (
                variant("A", price="1.00"),
                VariantRequest(
                    sku="B", options=(("size", "L"), ("colour", "x")), price=PriceRequest(amount="2", currency="USD")
                ),
            ),
            [("VALIDATION", "variants.1.price.currency")],
        ),
        (
            (VariantRequest(sku="A", options=(("size", "M"), ("size", "L"))),),
            [("VALIDATION", "variants.0.options.1.name")],
        ),
        ((VariantRequest(sku="A", options=(("size", "x" * 201),)),), [("VALIDATION", "variants.0.options.0.value")]),
        ((VariantRequest(sku="has space"),), [("VALIDATION", "variants.0.sku")]),
        ((variant("A", price="-1"),), [("VALIDATION", "variants.0.price.amount")]),
        ((), [("VALIDATION", "variants")]),
    ],
)
def test_creating_with_variants_refuses_each_broken_rule_on_its_field(
    variants: tuple[VariantRequest, ...], expected: list[tuple[str, str | None]]
) -> None:
    assert refused(create, sku="SHIRT", price_amount="49.00", variants=variants) == expected


def test_a_variant_has_at_most_the_bounded_number_of_options() -> None:
    options = tuple((f"o{i}", "v") for i in range(OPTIONS_MAX + 1))
    assert refused(create, variants=(VariantRequest(sku="A", options=options),)) == [
        ("VALIDATION", "variants.0.options")
    ]


def test_a_product_has_at_most_the_bounded_number_of_variants() -> None:
    many = tuple(VariantRequest(sku=f"V-{i}", options=(("n", str(i)),)) for i in range(VARIANTS_MAX + 1))
    assert ("VALIDATION", "variants") in refused(create, variants=many)
    product = create(variants=many[:VARIANTS_MAX])
    assert refused(product.add_variant, many[-1], None, NOW) == [("VALIDATION", "variant")]


def test_adding_a_variant_appends_it_and_records_its_id_sku_options_and_price() -> None:
    product = shirt()
    product.add_variant(variant("SHIRT-S", "S", price="45.00"), expected_version=1, now=NOW)
    added = product.variants[-1]
    event = product.pending_events[-1]
    assert isinstance(event, ProductVariantAdded)
    assert (event.variant_id, event.sku, event.options) == (added.id, "SHIRT-S", (("size", "S"), ("colour", "sand")))
    assert event.own_price == Money(Decimal("45.00"), "EUR")
    assert product.version == 2


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (variant("SHIRT", "S"), [("DUPLICATE", "variant.sku")]),
        (variant("SHIRT-M", "S"), [("DUPLICATE", "variant.sku")]),
        (variant("SHIRT-S", "M"), [("DUPLICATE", "variant.options")]),
        (VariantRequest(sku="SHIRT-S", options=(("size", "S"),)), [("VALIDATION", "variant.options")]),
        (
            VariantRequest(sku="SHIRT-S", options=(("size", "S"), ("colour", "sand"), ("fit", "slim"))),
            [("VALIDATION", "variant.options")],
        ),
        (
            VariantRequest(
                sku="SHIRT-S", options=(("size", "S"), ("colour", "x")), price=PriceRequest(amount="1", currency="GBP")
            ),
            [("VALIDATION", "variant.price.currency")],
        ),
    ],
)
def test_adding_a_variant_refuses_each_broken_rule_on_its_field(
    request_: VariantRequest, expected: list[tuple[str, str | None]]
) -> None:
    product = shirt()
    assert refused(product.add_variant, request_, None, NOW) == expected
    assert len(product.variants) == 2


def test_a_discontinued_variants_option_values_may_be_sold_again_by_a_new_variant() -> None:
    product = shirt()
    product.discontinue_variant("SHIRT-M", None, NOW)
    product.add_variant(variant("SHIRT-M2", "M"), None, NOW)
    assert [v.sku for v in product.variants if v.active] == ["SHIRT-L", "SHIRT-M2"]


def test_a_product_created_without_variants_gets_a_second_once_its_first_names_options() -> None:
    product = create(sku="MUG")
    assert refused(product.add_variant, VariantRequest(sku="MUG-2"), None, NOW) == [("DUPLICATE", "variant.options")]
    product.update_variant(
        "MUG", options=(("colour", "white"),), price=None, clear_price=False, expected_version=None, now=NOW
    )
    product.add_variant(VariantRequest(sku="MUG-BLACK", options=(("colour", "black"),)), None, NOW)
    assert [v.values for v in product.variants] == [("white",), ("black",)]


def test_updating_a_variants_options_records_what_changed() -> None:
    product = shirt()
    product.update_variant(
        "SHIRT-L",
        options=(("colour", "navy"), ("size", "L")),
        price=None,
        clear_price=False,
        expected_version=1,
        now=NOW,
    )
    event = product.pending_events[-1]
    assert isinstance(event, ProductVariantUpdated)
    assert (event.sku, event.changed_fields, event.options) == (
        "SHIRT-L",
        ("options",),
        (("size", "L"), ("colour", "navy")),
    )
    assert event.own_price == Money(Decimal("59.00"), "EUR")


def test_clearing_a_variants_own_price_makes_it_follow_the_default_price() -> None:
    product = shirt()
    product.update_variant("SHIRT-L", options=None, price=None, clear_price=True, expected_version=None, now=NOW)
    assert product.variants[1].own_price is None
    assert product.snapshot()["variants"][1]["price"] == {"amount": "49.00", "currency": "EUR"}
    event = product.pending_events[-1]
    assert isinstance(event, ProductVariantUpdated)
    assert (event.changed_fields, event.own_price) == (("price",), None)


@pytest.mark.parametrize(
    ("sku", "options", "price", "expected"),
    [
        ("SHIRT-L", (("size", "M"), ("colour", "sand")), None, [("DUPLICATE", "options")]),
        ("SHIRT-L", (("size", "L"),), None, [("VALIDATION", "options")]),
        ("SHIRT-L", None, PriceRequest(amount="1", currency="USD"), [("VALIDATION", "price.currency")]),
        ("SHIRT-L", None, PriceRequest(amount="x", currency="EUR"), [("VALIDATION", "price.amount")]),
        ("SHIRT-L", None, None, [("VALIDATION", None)]),
        ("NOPE", None, PriceRequest(amount="1", currency="EUR"), [("NOT_FOUND", "sku")]),
        ("SHIRT", None, PriceRequest(amount="1", currency="EUR"), [("VALIDATION", "sku")]),
    ],
)
def test_updating_a_variant_refuses_each_broken_rule_on_its_field(
    sku: str,
    options: tuple[tuple[str, str], ...] | None,
    price: PriceRequest | None,
    expected: list[tuple[str, str | None]],
) -> None:
    product = shirt()
    kwargs = {"options": options, "price": price, "clear_price": False, "expected_version": None, "now": NOW}
    assert refused(product.update_variant, sku, **kwargs) == expected
    assert product.version == 1


def test_an_update_that_changes_nothing_records_no_event() -> None:
    product = shirt()
    product.update_variant(
        "SHIRT-L",
        options=(("size", "L"), ("colour", "sand")),
        price=PriceRequest(amount="59", currency="EUR"),
        clear_price=False,
        expected_version=None,
        now=NOW,
    )
    assert product.version == 1


def test_changing_a_variants_price_sets_its_own_price_and_records_the_step_it_saw() -> None:
    product = shirt()
    product.change_price("39.00", "EUR", expected_version=1, now=NOW, sku=" SHIRT-M ")
    assert product.variants[0].own_price == Money(Decimal("39.00"), "EUR")
    assert product.price == Money(Decimal("49.00"), "EUR")
    event = product.pending_events[-1]
    assert isinstance(event, ProductPriceChanged)
    assert (event.sku, str(event.old_price.amount), str(event.new_price.amount)) == ("SHIRT-M", "49.00", "39.00")


def test_changing_the_default_price_moves_every_variant_without_a_price_of_its_own() -> None:
    product = shirt()
    product.change_price("45.00", "EUR", None, NOW)
    assert [v["price"]["amount"] for v in product.snapshot()["variants"]] == ["45.00", "59.00"]
    event = product.pending_events[-1]
    assert isinstance(event, ProductPriceChanged)
    assert event.sku is None


def test_a_variants_price_equal_to_the_default_is_still_its_own() -> None:
    product = shirt()
    product.change_price("49.00", "EUR", None, NOW, sku="SHIRT-M")
    product.change_price("45.00", "EUR", None, NOW)
    assert [v["price"]["amount"] for v in product.snapshot()["variants"]] == ["49.00", "59.00"]


@pytest.mark.parametrize(
    ("currency", "sku", "expected"),
    [
        ("USD", "SHIRT-M", [("VALIDATION", "price.currency")]),
        ("USD", None, [("VALIDATION", "price.currency")]),
        ("EUR", "NOPE", [("NOT_FOUND", "sku")]),
        ("EUR", "SHIRT", [("VALIDATION", "sku")]),
    ],
)
def test_changing_a_price_keeps_one_currency_per_product_and_needs_a_variants_sku(
    currency: str, sku: str | None, expected: list[tuple[str, str | None]]
) -> None:
    product = shirt()
    assert refused(product.change_price, "1.00", currency, None, NOW, sku) == expected


def test_the_default_price_may_change_currency_while_no_variant_has_a_price_of_its_own() -> None:
    product = create()
    product.change_price("10", "USD", None, NOW)
    assert product.snapshot()["variants"][0]["price"] == {"amount": "10.00", "currency": "USD"}


def test_repricing_a_variant_to_its_own_price_records_nothing() -> None:
    product = shirt()
    product.change_price("59.00", "EUR", None, NOW, sku="SHIRT-L")
    assert product.version == 1


def test_discontinuing_a_variant_keeps_it_with_its_status() -> None:
    product = shirt()
    product.discontinue_variant("SHIRT-L", expected_version=1, now=NOW)
    assert product.variants[1].status is ProductStatus.DISCONTINUED
    event = product.pending_events[-1]
    assert isinstance(event, ProductVariantDiscontinued)
    assert event.sku == "SHIRT-L"


def test_the_last_active_variant_is_not_discontinued_the_product_is() -> None:
    product = shirt()
    product.discontinue_variant("SHIRT-L", None, NOW)
    with pytest.raises(InvalidState) as caught:
        product.discontinue_variant("SHIRT-M", None, NOW)
    assert refusal(caught.value) == [("INVALID_STATE", "sku")]
    assert "discontinue the product instead" in str(caught.value)
    assert refused(product.discontinue_variant, "SHIRT-L", None, NOW) == [("INVALID_STATE", "sku")]


def test_discontinuing_the_product_leaves_its_variants_statuses_as_they_are() -> None:
    product = shirt()
    product.discontinue(None, NOW)
    assert [v.status for v in product.variants] == [ProductStatus.ACTIVE, ProductStatus.ACTIVE]


def test_stock_lives_on_the_variant_its_sku_names_and_the_product_sums_it() -> None:
    product = shirt()
    product.receive_stock(StockReceipt("SHIRT-L", 4), NOW)
    product.reserve("SHIRT-L", "order-1", 1, "lines.0", NOW)
    assert (product.stock_of("SHIRT-M"), product.stock_of("SHIRT-L")) == (StockItem(0, 0), StockItem(4, 1))
    snapshot = product.snapshot()
    assert (snapshot["on_hand"], snapshot["reserved"]) == (4, 1)


def test_a_stock_command_naming_the_products_own_sku_of_a_product_with_variants_is_told_to_name_a_variant() -> None:
    product = shirt()
    with pytest.raises(ValidationFailed) as caught:
        product.receive_stock(StockReceipt("SHIRT", 4), NOW)
    assert refusal(caught.value) == [("VALIDATION", "sku")]
    assert "SHIRT-M, SHIRT-L" in str(caught.value)
    with pytest.raises(NotFound):
        product.receive_stock(StockReceipt("OTHER", 4), NOW)


def test_a_products_stock_on_hand_summed_over_its_variants_is_bounded() -> None:
    product = shirt()
    product.receive_stock(StockReceipt("SHIRT-M", ON_HAND_MAX - 400), NOW)
    assert refused(product.receive_stock, StockReceipt("SHIRT-L", 401), NOW) == [("VALIDATION", "quantity")]
    assert refused(product.adjust_stock, StockAdjustment("SHIRT-L", 401, "found"), NOW) == [("VALIDATION", "delta")]
    product.receive_stock(StockReceipt("SHIRT-L", 400), NOW)
    assert product.stock.on_hand == ON_HAND_MAX


def test_a_discontinued_variant_cannot_be_ordered() -> None:
    product = shirt()
    product.receive_stock(StockReceipt("SHIRT-L", 4), NOW)
    product.discontinue_variant("SHIRT-L", None, NOW)
    assert refused(product.reserve, "SHIRT-L", "order-1", 1, "lines.3", NOW) == [("INVALID_STATE", "lines.3")]


def test_the_snapshot_shows_each_variants_name_options_and_effective_price() -> None:
    product = shirt()
    product.receive_stock(StockReceipt("SHIRT-M", 3), NOW)
    [medium, large] = product.snapshot()["variants"]
    assert medium == {
        "id": product.variants[0].id,
        "sku": "SHIRT-M",
        "name": "Linen shirt / M / sand",
        "options": [["size", "M"], ["colour", "sand"]],
        "price": {"amount": "49.00", "currency": "EUR"},
        "own_price": None,
        "status": "ACTIVE",
        "on_hand": 3,
        "reserved": 0,
    }
    assert (large["price"], large["own_price"]) == ({"amount": "59.00", "currency": "EUR"},) * 2


def test_a_product_with_variants_restored_from_its_snapshot_gives_the_same_snapshot() -> None:
    product = shirt()
    product.receive_stock(StockReceipt("SHIRT-L", 2), NOW)
    product.discontinue_variant("SHIRT-M", None, NOW)
    restored = Product.from_snapshot(product.snapshot())
    assert restored.snapshot() == product.snapshot()
    assert restored.variants == product.variants
