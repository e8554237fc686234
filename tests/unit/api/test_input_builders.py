"""Input objects built by the installed builders equal what strawberry's generic conversion builds."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

from api.fastpath.input_builders import install
from api.schema.inputs import CreateProductInput, PlaceOrderInput, ProductFilter, UpdateProductDetailsInput
from api.schema.schema import ServedSchema
from api.settings import Settings


@pytest.fixture(scope="module")
def served() -> ServedSchema:
    return ServedSchema(Settings.model_validate({"fast_path": True}))


def generic(served: ServedSchema, type_: type, value: dict[str, Any]) -> Any:
    """Strawberry's own conversion, with the builder taken off for the call."""
    definition = get_object_definition(type_, strict=True)
    builder, definition.from_input = definition.from_input, None
    try:
        return built(served, type_, value)
    finally:
        definition.from_input = builder


def built(served: ServedSchema, type_: type, value: dict[str, Any]) -> Any:
    converter = served.strawberry.schema_converter
    return convert_argument(value, type_, converter.scalar_registry, converter.config)


CASES = [
    (
        CreateProductInput,
        {
            "sku": "OAK-1",
            "name": "Oak Table",
            "description": None,
            "categoryPath": ["Furniture", "Tables"],
            "price": {"amount": "19.99", "currency": "EUR"},
            "attributes": [{"name": "colour", "value": "oak"}],
            "idempotencyKey": "k-1",
        },
    ),
    (CreateProductInput, {"sku": "OAK-2", "name": "Oak", "price": {"amount": "1", "currency": "EUR"}}),
    (UpdateProductDetailsInput, {"productId": "p-1", "expectedVersion": 3, "attributes": [], "brand": None}),
    (PlaceOrderInput, {"customerId": "c-1", "lines": [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 2}]}),
    (ProductFilter, {"brands": ["Acme"], "attributes": [{"name": "colour", "values": ["red"]}], "inStock": True}),
]


@pytest.mark.parametrize(("type_", "value"), CASES)
def test_a_builder_builds_what_strawberry_builds(served: ServedSchema, type_: type, value: dict[str, Any]) -> None:
    assert get_object_definition(type_, strict=True).from_input is not None
    fast, slow = built(served, type_, value), generic(served, type_, value)
    assert type(fast) is type(slow)
    assert asdict(fast) == asdict(slow)


def test_lists_are_copied_not_shared(served: ServedSchema) -> None:
    path = ["Furniture"]
    value = {"sku": "S", "name": "N", "price": {"amount": "1", "currency": "EUR"}, "categoryPath": path}
    assert built(served, CreateProductInput, value).category_path is not path


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.input
class Node:
    label: str
    children: list[Node] | None = None


@strawberry.input
class Tagged:
    tag: Colour


def test_an_input_that_nests_itself_gets_a_builder() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def depth(self, node: Node, tagged: Tagged | None = None) -> int:
            return 0

    schema = strawberry.Schema(query=Query)
    converter = schema.schema_converter
    definitions = [get_object_definition(Node, strict=True), get_object_definition(Tagged, strict=True)]
    assert len(install(definitions, converter.config, converter.scalar_registry)) == 1
    assert install(definitions, converter.config, converter.scalar_registry).keys() == {"Node"}  # found again
    value = {"label": "root", "children": [{"label": "leaf", "children": None}, {"label": "other"}]}
    tree = convert_argument(value, Node, converter.scalar_registry, converter.config)
    assert tree == Node(label="root", children=[Node(label="leaf", children=None), Node(label="other")])
    assert get_object_definition(Tagged, strict=True).from_input is None  # enums keep strawberry's path
