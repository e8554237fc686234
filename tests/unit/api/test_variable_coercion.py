"""The fast path's variable coercion gives what graphql-core's `coerce_input_value` gives, or declines."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLInputType, GraphQLList, GraphQLNonNull, Undefined, coerce_input_value
from hypothesis import given, settings
from hypothesis import strategies as st

from api.fastpath.variable_coercion import Declined, coercer
from api.schema.schema import ServedSchema
from api.settings import Settings

SCHEMA = ServedSchema(Settings.model_validate({"fast_path": True})).graphql


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


def coerced(type_: GraphQLInputType, value: Any) -> Any:
    coerce = coercer(type_)
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
