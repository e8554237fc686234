"""What a token's claims must say beyond what PyJWT checks: times as numbers, and a customer token's lifetime.

PyJWT accepts `"exp": "1999999999"` (it calls `int()` on the claim), while RFC 7519 makes every time claim a
NumericDate: a JSON number. And a customer token lives in a browser, where a stolen one is used until it
expires; so it must say when it was issued (`iat`) and live at most `max_customer_seconds` (`exp - iat`). Staff
tokens come from operators' tools and are not bounded here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TIME_CLAIMS = ("exp", "iat", "nbf")


class ClaimsRefused(Exception):
    """The claims break a rule below; the message names the claim, never its value."""


def check_claims(claims: Mapping[str, Any], *, customer: bool, max_customer_seconds: int) -> None:
    for name in TIME_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise ClaimsRefused(f"'{name}' must be a number (seconds since the epoch)")
    if not customer:
        return
    if "iat" not in claims:
        raise ClaimsRefused("a customer token must say when it was issued ('iat')")
    if claims["exp"] - claims["iat"] > max_customer_seconds:
        raise ClaimsRefused(f"a customer token may live at most {max_customer_seconds} s ('exp' - 'iat')")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
