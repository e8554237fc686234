from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.model.catalog import Product, ProductStatus
from domain.model.errors import Conflict, ErrorCode, InvalidState, ValidationFailed
from domain.model.events import ProductCreated, ProductDetailsUpdated, ProductDiscontinued, ProductPriceChanged
from domain.model.inventory import StockReceipt

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def create(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "sku": "SOFA-1",
        "name": "Blue sofa",
        "price_amount": "499.90",
        "price_currency": "EUR",
        "slug": "blue-sofa",
        "category_path": ("Furniture", "Sofas"),
        "attributes": (("color", "blue"),),
    }
    fields.update(overrides)
    return Product.create(**fields, now=NOW)  # type: ignore[arg-type]


def problems_of(error: ValidationFailed) -> dict[str | None, str]:
    return {problem.field: problem.message for problem in error.problems}


def test_create_product_records_product_created_at_version_one() -> None:
    product = create()
    assert product.version == 1
    assert product.status is ProductStatus.ACTIVE
    [event] = product.pending_events
    assert isinstance(event, ProductCreated)
    assert event.sku == "SOFA-1"
    assert event.price.amount == Decimal("499.90")


def test_create_product_normalises_price_to_the_currency_minor_units() -> None:
    assert str(create(price_amount="19.9", price_currency="eur").price.amount) == "19.90"
    assert create(price_amount="1500", price_currency="JPY").price.currency == "JPY"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sku": ""}, "sku"),
        ({"sku": "has space"}, "sku"),
        ({"sku": "X" * 65}, "sku"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"price_amount": "-1"}, "price.amount"),
        ({"price_amount": "abc"}, "price.amount"),
        ({"price_amount": "NaN"}, "price.amount"),
        ({"price_amount": "1.999"}, "price.amount"),
        ({"price_currency": "EURO"}, "price.currency"),
        ({"category_path": ("Furniture", "")}, "categoryPath.1"),
        ({"attributes": (("color", "blue"), ("color", "blue"))}, "attributes.1"),
        ({"name": "Blue\x00sofa"}, "name"),
        ({"description": "line one\r\nline two"}, "description"),
        ({"brand": "Ac\x1fme"}, "brand"),
    ],
)
def test_create_product_refuses_invalid_input_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(**overrides)
    assert field in problems_of(refused.value)
    assert all(problem.code is ErrorCode.VALIDATION for problem in refused.value.problems)


def test_tabs_and_newlines_are_the_only_control_characters_text_may_hold() -> None:
    product = create(description="line one\n\tline two", name="Blue\tsofa")
    assert product.details.description == "line one\n\tline two"


def test_create_product_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(sku="", name="", price_currency="ZZZ")
    assert set(problems_of(refused.value)) == {"sku", "name", "price.currency"}


def test_update_details_changes_only_given_fields_and_names_them() -> None:
    product = create(description="Soft")
    product.update_details(name="Green sofa", brand="Acme", now=NOW)
    assert product.details.name == "Green sofa"
    assert product.details.description == "Soft"
    event = product.pending_events[-1]
    assert isinstance(event, ProductDetailsUpdated)
    assert set(event.changed_fields) == {"name", "brand"}
    assert event.details == product.details


def test_update_details_with_an_empty_description_clears_it() -> None:
    product = create(description="Soft")
    product.update_details(description="", now=NOW)
    assert product.details.description is None


def test_update_details_that_change_nothing_record_no_event() -> None:
    product = create()
    product.update_details(name="Blue sofa", now=NOW)
    assert len(product.pending_events) == 1


def test_update_details_refuses_an_empty_update() -> None:
    product = create()
    with pytest.raises(ValidationFailed):
        product.update_details(now=NOW)


def test_expected_version_mismatch_is_a_conflict_and_changes_nothing() -> None:
    product = create()
    with pytest.raises(Conflict) as refused:
        product.change_price("10.00", "EUR", expected_version=7, now=NOW)
    assert refused.value.problems[0].field == "expectedVersion"
    assert product.price.amount == Decimal("499.90")
    assert product.version == 1


def test_change_price_records_old_and_new_price() -> None:
    product = create()
    product.change_price("450", "EUR", expected_version=1, now=NOW)
    event = product.pending_events[-1]
    assert isinstance(event, ProductPriceChanged)
    assert (event.old_price.amount, event.new_price.amount) == (Decimal("499.90"), Decimal("450.00"))


def test_discontinue_twice_is_an_invalid_state() -> None:
    product = create()
    product.discontinue(None, NOW)
    assert isinstance(product.pending_events[-1], ProductDiscontinued)
    with pytest.raises(InvalidState):
        product.discontinue(None, NOW)


def test_the_snapshot_carries_everything_a_read_model_needs() -> None:
    product = create()
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    snapshot = product.snapshot()
    assert snapshot["price"] == {"amount": "499.90", "currency": "EUR"}
    assert (snapshot["on_hand"], snapshot["reserved"], snapshot["version"]) == (5, 0, 2)
    assert snapshot["attributes"] == [["color", "blue"]]
    assert snapshot["created_at"] == "2026-01-01T00:00:00+00:00"


def test_a_product_restored_from_its_snapshot_gives_the_same_snapshot() -> None:
    product = create(description="Deep seats", brand="Nordhus")
    product.receive_stock(StockReceipt(product.sku, 5), NOW)
    product.discontinue(None, NOW)
    restored = Product.from_snapshot(product.snapshot())
    assert restored.snapshot() == product.snapshot()
    assert (restored.details, restored.price, restored.stock) == (product.details, product.price, product.stock)


def test_a_repeated_attribute_is_quoted_cut_short() -> None:
    long_attribute = ("n" * 5_000, "v" * 5_000)
    with pytest.raises(ValidationFailed) as refused:
        create(attributes=(long_attribute, long_attribute))
    assert "repeats" in problems_of(refused.value)["attributes.1"]
    assert max(len(problem.message) for problem in refused.value.problems) < 200
