"""Domain values become JSON data, whatever their nesting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum

import orjson
import pytest

from domain.model.commands import CreateProduct, ImageRequest, PriceRequest, VariantRequest
from domain.model.json_data import as_json_data
from domain.model.new_products import product_created_by
from domain.storage.engine import json_text

CREATE = CreateProduct(
    sku="OAK-1",
    name="Oak shelf",
    price_amount="12.50",
    price_currency="EUR",
    category_path=("Furniture",),
    attributes=(("material", "oak"),),
    variants=(
        VariantRequest(sku="OAK-1-S", options=(("size", "S"),)),
        VariantRequest(sku="OAK-1-L", options=(("size", "L"),), price=PriceRequest(amount="14", currency="EUR")),
    ),
    images=(ImageRequest(url="/a.svg", alt="Shelf", width=800, height=None),),
)


class Colour(StrEnum):
    RED = "red"


class Size(Enum):
    LARGE = 3


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class Placed:
    lines: tuple[Line, ...]
    colour: Colour
    size: Size
    at: datetime
    notes: dict[str, object]


def test_nested_values_become_json_data() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    event = Placed((Line("A", 2, Decimal("19.90")),), Colour.RED, Size.LARGE, at, {"gift": True, "n": None})
    assert as_json_data(event) == {
        "lines": [{"sku": "A", "quantity": 2, "price": "19.90"}],
        "colour": "red",
        "size": 3,
        "at": "2026-01-02T03:04:05+00:00",
        "notes": {"gift": True, "n": None},
    }


def test_enum_members_give_their_value_not_themselves() -> None:
    assert type(as_json_data(Colour.RED)) is str
    assert as_json_data([Size.LARGE]) == [3]


def test_values_without_a_json_form_are_refused() -> None:
    with pytest.raises(TypeError, match="no JSON form for set"):
        as_json_data({1, 2})


@dataclass(frozen=True, slots=True)
class Slotted:
    size: Size
    at: datetime


def test_the_json_columns_write_domain_values_in_the_forms_as_json_data_gives() -> None:
    """The storage serializer leaves dataclasses, enums, times and tuples to orjson, which must agree."""
    at = datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC)
    values = [
        Placed((Line("A", 2, Decimal("19.90")),), Colour.RED, Size.LARGE, at, {"gift": True, "n": None}),
        Slotted(Size.LARGE, at.replace(tzinfo=None, microsecond=0)),
        product_created_by(CREATE, at).pending_events[0],
    ]
    for value in values:
        assert orjson.loads(json_text(value)) == as_json_data(value)
        assert json_text(value) == orjson.dumps(as_json_data(value)).decode()
