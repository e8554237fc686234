"""Decimal numbers as clients write them: the one reader of every amount and price bound a request carries.

`Decimal()` alone reads far more than numbers: NaN, infinities, exponents that make 10^400 of a price bound
(which then becomes an infinite float and matches everything), digits of any script, underscores. Here a
number is what a person writes for an amount: ASCII digits with an optional sign, point and exponent, at most
`DECIMAL_TEXT_MAX` characters, its magnitude within 10^±`DECIMAL_EXPONENT_MAX` (zero aside).
"""

from __future__ import annotations

import re
from decimal import Decimal

DECIMAL_TEXT_MAX = 40
DECIMAL_EXPONENT_MAX = 20
NOT_A_DECIMAL = "must be a decimal number such as 19.99"

_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
"""ASCII only: `[0-9]` is not `\\d`, which would take Arabic-Indic digits too."""


def decimal_number(value: str | Decimal) -> Decimal | None:
    """The number `value` writes (surrounding spaces aside), or None when it is not one in range."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > DECIMAL_TEXT_MAX or not _DECIMAL_TEXT.fullmatch(text):
            return None
        value = Decimal(text)
    if not value.is_finite():
        return None
    if not value.is_zero() and abs(value.adjusted()) > DECIMAL_EXPONENT_MAX:
        return None
    return value
