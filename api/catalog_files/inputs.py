"""A file's row (JSON data) as the GraphQL input object the mutation would get, checked the way GraphQL checks
variables: unknown fields, missing required ones and wrong kinds are problems with the row-relative path
(`price.amount`, `variants.2.sku`). The command is then made by the mutation's own `mutations.COMMANDS`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.utils.str_converters import to_camel_case

from domain.model.errors import ErrorCode, Problem


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def input_object(input_type: type[Any], data: Any) -> Any:
    """An instance of the strawberry input type `input_type` built from `data`, or RowRejected."""
    problems: list[Problem] = []
    built = _value(input_type, data, "", problems)
    if problems:
        raise RowRejected(problems)
    return built


def _value(kind: Any, value: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(kind, StrawberryOptional):
        return None if value is None else _value(kind.of_type, value, path, problems)
    if value is None:
        return _problem(problems, path, "must not be null")
    if isinstance(kind, StrawberryList):
        if not isinstance(value, list):
            return _problem(problems, path, "must be a list")
        return [_value(kind.of_type, item, _join(path, str(i)), problems) for i, item in enumerate(value)]
    if has_object_definition(kind):
        return _object(kind, value, path, problems)
    expected = int if kind is int else str
    if type(value) is not expected:
        return _problem(problems, path, f"must be {'an integer' if expected is int else 'text'}")
    return value


def _object(kind: Any, value: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, Mapping):
        return _problem(problems, path, "must be an object")
    fields = {to_camel_case(field.python_name): field for field in kind.__strawberry_definition__.fields}
    for unknown in sorted(set(value) - set(fields)):
        _problem(problems, _join(path, str(unknown)), "is not a field of this input")
    arguments: dict[str, Any] = {}
    for name, field in fields.items():
        if name in value:
            arguments[field.python_name] = _value(field.type, value[name], _join(path, name), problems)
        elif field.default is dataclasses.MISSING and not isinstance(field.type, StrawberryOptional):
            _problem(problems, _join(path, name), "is required")
    return kind(**arguments) if not problems else None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _problem(problems: list[Problem], path: str, message: str) -> None:
    problems.append(Problem(ErrorCode.VALIDATION, message, path or None))
