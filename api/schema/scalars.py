"""The contract's custom scalars. Both travel as strings: amounts stay exact, instants stay ISO 8601.

Input amounts are passed on as text and validated by the domain (or the query resolver), so that 'abc' is a
typed VALIDATION error with its field path rather than a request-level coercion error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, NewType

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode

DecimalText = NewType("DecimalText", str)
DateTimeText = NewType("DateTimeText", str)


def serialize_decimal(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_decimal(value: Any) -> DecimalText:
    """JSON numbers are accepted too (19.99 -> '19.99'); whether the text is a number is checked later."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("Decimal values are strings such as '19.99'")
    return DecimalText(value if isinstance(value, str) else serialize_decimal(value))


def parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> DecimalText:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return DecimalText(node.value)
    raise ValueError("Decimal values are strings such as '19.99'")


def serialize_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def parse_datetime(value: Any) -> DateTimeText:
    if not isinstance(value, str):
        raise ValueError("DateTime values are ISO 8601 strings")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("DateTime values are ISO 8601 strings such as '2024-05-01T12:00:00Z'") from None
    return DateTimeText(value)


# Scalars whose serialization returns a value of this type unchanged, so a fast path may pass it through.
PASS_THROUGH_SCALARS: dict[str, type] = {"Decimal": str, "DateTime": str}

# The values are strawberry's scalar definitions; their class lives in a private module of strawberry.
SCALARS: dict[object, Any] = {
    DecimalText: strawberry.scalar(
        name="Decimal",
        description='An exact decimal number as a string, e.g. "19.99".',
        serialize=serialize_decimal,
        parse_value=parse_decimal,
        parse_literal=parse_decimal_literal,
    ),
    DateTimeText: strawberry.scalar(
        name="DateTime",
        description="An instant as an ISO 8601 string with its UTC offset.",
        serialize=serialize_datetime,
        parse_value=parse_datetime,
    ),
}
