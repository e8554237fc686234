"""Domain values become JSON data, whatever their nesting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum

import pytest

from domain.model.json_data import as_json_data


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
