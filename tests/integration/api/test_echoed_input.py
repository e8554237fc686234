"""Error messages quote what a client sent only cut short: a 10 000-character value in any string input of any
mutation gives messages of bounded length. The inputs are found in the served schema, so a new mutation or
field is covered without touching this test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
)

from api.schema.schema import build_schema
from tests.integration.api.conftest import STAFF_SCOPES, Api

pytestmark = pytest.mark.elasticsearch

LONG = "x" * 10_000
SHORT_MESSAGE = 200
TEXT_SCALARS = {"String", "ID", "Decimal"}
SAMPLE = {"String": "x", "ID": "x", "Decimal": "1", "Int": 1, "Boolean": False}

Path = tuple[str | int, ...]


def _named(type_: GraphQLInputType) -> GraphQLInputType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def sample(type_: GraphQLInputType) -> Any:
    """A value of `type_` with every field given (lists hold one item): the baseline the long value goes into."""
    type_ = _named(type_)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLInputObjectType):
        return {name: sample(field.type) for name, field in type_.fields.items()}
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType), type_
    return SAMPLE[type_.name]


def text_paths(type_: GraphQLInputType, path: Path = ()) -> Iterator[Path]:
    type_ = _named(type_)
    if isinstance(type_, GraphQLList):
        yield from text_paths(type_.of_type, (*path, 0))
    elif isinstance(type_, GraphQLInputObjectType):
        for name, field in type_.fields.items():
            yield from text_paths(field.type, (*path, name))
    elif isinstance(type_, GraphQLScalarType) and type_.name in TEXT_SCALARS:
        yield path


def with_value(value: Any, path: Path, replacement: str) -> Any:
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        return [with_value(item, rest, replacement) if i == head else item for i, item in enumerate(value)]
    return {key: with_value(item, rest, replacement) if key == head else item for key, item in value.items()}


def mutation_inputs(schema: GraphQLSchema) -> Iterator[tuple[str, str, GraphQLInputType]]:
    assert schema.mutation_type is not None
    for name, field in schema.mutation_type.fields.items():
        argument = field.args.get("input")
        if argument is None:  # bulk mutations: their rows are the single mutations' inputs, covered there
            continue
        yield name, str(argument.type), argument.type


async def test_every_message_quotes_a_long_string_input_cut_short(api: Api) -> None:
    schema = build_schema(api.settings).graphql
    sent = 0
    for mutation, type_name, input_type in mutation_inputs(schema):
        baseline = sample(input_type)
        for path in text_paths(input_type):
            body = await api.graphql(
                f"mutation($input: {type_name}) {{ {mutation}(input: $input) {{ ok errors {{ field message }} }} }}",
                {"input": with_value(baseline, path, LONG)},
                api.token(*STAFF_SCOPES, "webhooks:manage"),  # every mutation validates its input
            )
            sent += 1
            messages = [error["message"] for error in body.get("errors", [])]
            result = (body.get("data") or {}).get(mutation) or {}
            messages += [error["message"] for error in result.get("errors", [])]
            assert messages, (mutation, path)  # refused, for the long value or the baseline's
            too_long = [message[:100] for message in messages if len(message) > SHORT_MESSAGE]
            assert not too_long, (mutation, path, too_long)
    assert sent > 30
