"""The fast path's variable coercion gives what graphql-core's `coerce_input_value` gives, or declines."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLString,
    Undefined,
    coerce_input_value,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument

from api.fastpath.variable_coercion import Declined, coercer
from api.schema.schema import ServedSchema
from api.settings import Settings

SERVED = ServedSchema(Settings.model_validate({"fast_path": True}))
SCHEMA = SERVED.graphql
assert SERVED.direct is not None
INTO = SERVED.direct.into


def input_type(name: str) -> GraphQLInputType:
    found = SCHEMA.type_map[name]
    assert isinstance(found, GraphQLInputType)
    return found


CREATE_PRODUCT = SCHEMA.type_map["CreateProductInput"]
assert isinstance(CREATE_PRODUCT, GraphQLInputObjectType)
ROWS = GraphQLNonNull(GraphQLList(GraphQLNonNull(CREATE_PRODUCT)))
ROW = {
    "sku": "OAK-1",
    "name": "Oak shelf",
    "categoryPath": ["Furniture"],
    "price": {"amount": "12.50", "currency": "EUR"},
    "variants": [{"sku": "OAK-1-S", "options": [{"name": "size", "value": "S"}], "price": None}],
    "images": [{"url": "/a.svg", "width": 800}],
}


def coerced(type_: GraphQLInputType, value: Any, *, building: bool = False) -> Any:
    coerce = coercer(type_, INTO if building else None)
    assert coerce is not None
    try:
        return coerce(value)
    except Declined:
        return Declined


def test_valid_rows_coerce_as_graphql_core_coerces_them_defaults_included() -> None:
    expected = coerce_input_value([ROW, {**ROW, "sku": "OAK-2"}], ROWS)
    assert coerced(ROWS, [ROW, {**ROW, "sku": "OAK-2"}]) == expected
    assert expected[0]["description"] is None  # an absent field with a default gets it


@pytest.mark.parametrize(
    "row",
    [
        {**ROW, "categoryPath": "Furniture"},  # a single value for a list: graphql-core makes it a list of one
        {**ROW, "images": [{"url": "/a.svg", "width": 800.0}]},  # an integral float for an Int: converted
        {**ROW, "name": 7},
        {**ROW, "colour": "red"},
        {key: value for key, value in ROW.items() if key != "price"},
        {**ROW, "images": [{"url": "/a.svg", "width": 2**31}]},
        {**ROW, "price": {"amount": True, "currency": "EUR"}},
    ],
    ids=["single-value-list", "float-int", "number-string", "unknown-field", "missing-field", "int-range", "bool"],
)
def test_values_graphql_core_converts_or_refuses_are_declined(row: dict[str, Any]) -> None:
    assert coerced(ROWS, [row]) is Declined


def test_a_null_row_of_a_non_null_list_is_declined() -> None:
    assert coerced(ROWS, [None]) is Declined


def test_an_id_given_as_a_number_is_declined_and_an_enum_is_coerced_by_its_type() -> None:
    price = input_type("ChangeProductPriceInput")
    assert coerced(price, {"productId": 7, "price": {"amount": "1", "currency": "EUR"}}) is Declined
    policy = input_type("BulkErrorPolicy")
    assert coerced(policy, "REJECT_EVERYTHING") == coerce_input_value("REJECT_EVERYTHING", policy)
    assert coerced(policy, "NOPE") is Declined


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**33), 2**33) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(sorted(ROW)), inner, max_size=4),
    max_leaves=12,
)
ROW_VALUES = st.fixed_dictionaries({}, optional={key: JSON | st.just(value) for key, value in ROW.items()})


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(ROW_VALUES, max_size=3) | JSON)
def test_any_json_value_coerces_as_graphql_core_coerces_it_or_is_declined(value: Any) -> None:
    ours = coerced(ROWS, value)
    if ours is not Declined:
        reference = coerce_input_value(value, ROWS)
        assert reference is not Undefined
        assert ours == reference


def converted(field: str, argument: str, value: Any) -> Any:
    """What strawberry's conversion (with the installed builders) makes of graphql-core's coercion of `value`,
    for the argument of a mutation field."""
    assert SCHEMA.mutation_type is not None
    definition = SCHEMA.mutation_type.fields[field]
    (found,) = [
        a for a in definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].arguments if a.python_name == argument
    ]
    reference = coerce_input_value(
        value, definition.args[SERVED.strawberry.config.name_converter.get_graphql_name(found)].type
    )
    assert reference is not Undefined
    converter = SERVED.strawberry.schema_converter
    return convert_argument(reference, found.type, converter.scalar_registry, converter.config)


def test_input_objects_come_out_built_as_strawberry_converts_them() -> None:
    rows = [ROW, {**ROW, "sku": "OAK-2", "variants": None, "attributes": [{"name": "colour", "value": "oak"}]}]
    built = coerced(ROWS, rows, building=True)
    assert built == converted("bulkCreateProducts", "inputs", rows)
    assert built[0].price.amount == "12.50"
    assert built[0].description is None
    assert built[0].variants[0].options[0].value == "S"


def test_a_building_coercer_leaves_enums_and_unbuilt_inputs_to_the_conversion() -> None:
    assert coercer(input_type("BulkErrorPolicy"), INTO) is None
    assert coercer(input_type("RegisterWebhookInput"), INTO) is None  # its events are enums: no builder


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(ROW_VALUES, max_size=3) | JSON)
def test_any_json_value_builds_what_the_conversion_builds_or_is_declined(value: Any) -> None:
    ours = coerced(ROWS, value, building=True)
    if ours is not Declined:
        assert ours == converted("bulkCreateProducts", "inputs", value)


NODE: GraphQLInputObjectType = GraphQLInputObjectType(
    "Node",
    lambda: {
        "name": GraphQLInputField(GraphQLNonNull(GraphQLString)),
        "weight": GraphQLInputField(GraphQLInt, default_value=1),
        "child": GraphQLInputField(NODE),
        "children": GraphQLInputField(GraphQLList(GraphQLNonNull(NODE))),
    },
)


@pytest.mark.parametrize(
    "value",
    [
        {"name": "a"},
        {"name": "a", "weight": None, "child": {"name": "b", "child": {"name": "c", "weight": 2**31 - 1}}},
        {"name": "a", "children": [{"name": "b"}, {"name": "c", "children": []}]},
    ],
)
def test_an_input_that_nests_itself_coerces_at_every_depth_as_graphql_core_does(value: dict[str, Any]) -> None:
    reference = coerce_input_value(value, NODE)
    assert reference is not Undefined
    assert coerced(NODE, value) == reference
    assert coerced(NODE, {"name": "x", "child": value}) == {"name": "x", "weight": 1, "child": reference}


@pytest.mark.parametrize(
    "value",
    [
        {"name": "a", "child": {"name": None}},
        {"name": "a", "child": {"name": "b", "weight": 2**31}},
        {"name": "a", "children": [None]},
        {"name": "a", "child": {"name": "b", "colour": "red"}},
    ],
)
def test_a_nested_value_graphql_core_refuses_is_declined_at_any_depth(value: dict[str, Any]) -> None:
    assert coerce_input_value(value, NODE) is Undefined
    assert coerced(NODE, value) is Declined
