"""Turns domain values (events, dataclasses, money, enums, times) into JSON data: dicts, lists, strings, numbers.

The outbox stores each event's payload as JSON; this is how an event becomes one, without the storage adapter
knowing the model's types. (Storage's JSON serializer, orjson, writes dataclasses, enums, times and tuples itself,
in these same forms, and asks this function for the rest: tests/unit/domain/test_json_data.py.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

Convert = Callable[[Any], Any]


def as_json_data(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _as_is(value: Any) -> Any:
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types already JSON data: containers take their values as they are, without a call per value (an event's
payload is mostly such values, and each outbox row converts one)."""


def _converter(kind: type) -> Convert:
    """How values of exactly `kind` become JSON data, worked out once per type and kept in `_CONVERTERS`."""
    if issubclass(kind, Enum):  # before str and int: a str or int Enum member is written as its `.value`
        return lambda value: value.value
    if issubclass(kind, str | int | float | bool) or kind is type(None):
        return _as_is
    if issubclass(kind, Decimal):
        return str
    if issubclass(kind, datetime):
        return lambda value: value.isoformat()
    if dataclasses.is_dataclass(kind):
        names = tuple(field.name for field in dataclasses.fields(kind))

        def convert(value: Any) -> dict[str, Any]:
            data = {}
            for name in names:
                item = getattr(value, name)
                data[name] = item if type(item) in _PLAIN else as_json_data(item)
            return data

        return convert
    if issubclass(kind, Mapping):
        return lambda value: {
            str(key): item if type(item) in _PLAIN else as_json_data(item) for key, item in value.items()
        }
    if issubclass(kind, list | tuple):
        return lambda value: [item if type(item) in _PLAIN else as_json_data(item) for item in value]
    raise TypeError(f"no JSON form for {kind.__name__}")


_CONVERTERS: dict[type, Convert] = {str: _as_is, int: _as_is, float: _as_is, bool: _as_is, type(None): _as_is}
