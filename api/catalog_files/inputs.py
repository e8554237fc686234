"""A file's row (JSON data) as the GraphQL input object the mutation would get, checked the way GraphQL checks
variables: unknown fields, missing required ones and wrong kinds are problems with the row-relative path
(`price.amount`, `variants.2.sku`). The command is then made by the mutation's own `mutations.COMMANDS`.

The row is walked along the served schema's input type (graphql-core's public types); each input object is
built as the strawberry class the schema was made from, found in the type's `strawberry-definition` extension."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)

from domain.model.errors import ErrorCode, Problem

_KINDS: dict[str, tuple[type, str]] = {"Int": (int, "an integer"), "Boolean": (bool, "true or false")}
_TEXT = (str, "text")


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def input_object(input_type: GraphQLInputObjectType, data: Any) -> Any:
    """An instance of the strawberry input class behind `input_type`, built from `data`, or RowRejected."""
    problems: list[Problem] = []
    built = _value(GraphQLNonNull(input_type), data, "", problems)
    if problems:
        raise RowRejected(problems)
    return built


def _value(kind: GraphQLInputType, value: Any, path: str, problems: list[Problem]) -> Any:
    if value is None:
        if isinstance(kind, GraphQLNonNull):
            _problem(problems, path, "must not be null")
        return None
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if isinstance(kind, GraphQLList):
        if not isinstance(value, list):
            return _problem(problems, path, "must be a list")
        return [_value(kind.of_type, item, _join(path, str(i)), problems) for i, item in enumerate(value)]
    if isinstance(kind, GraphQLInputObjectType):
        return _object(kind, value, path, problems)
    expected, name = _KINDS.get(kind.name, _TEXT) if isinstance(kind, GraphQLScalarType) else _TEXT
    if type(value) is not expected:
        return _problem(problems, path, f"must be {name}")
    return value


def _object(kind: GraphQLInputObjectType, value: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, Mapping):
        return _problem(problems, path, "must be an object")
    for unknown in sorted(set(value) - set(kind.fields)):
        _problem(problems, _join(path, str(unknown)), "is not a field of this input")
    arguments: dict[str, Any] = {}
    for name, field in kind.fields.items():
        python_name = field.extensions["strawberry-definition"].python_name
        if name in value:
            arguments[python_name] = _value(field.type, value[name], _join(path, name), problems)
        elif isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined:
            _problem(problems, _join(path, name), "is required")
    return kind.extensions["strawberry-definition"].origin(**arguments) if not problems else None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _problem(problems: list[Problem], path: str, message: str) -> None:
    problems.append(Problem(ErrorCode.VALIDATION, message, path or None))
