"""How an error message quotes what a client sent: in quotes, cut short, so a message never grows with the input.

Every message that echoes input (currency codes, ids, skus, attribute values, tokens, cursors) goes through
`quoted`: a 10 000-character currency code once made a 10 035-character message.
"""

from __future__ import annotations

QUOTED_MAX = 80
"""Characters of the value a message shows; a longer value is cut there and ends with an ellipsis."""


def quoted(value: str) -> str:
    """'value' in single quotes, at most `QUOTED_MAX` characters of it."""
    shown = value if len(value) <= QUOTED_MAX else value[: QUOTED_MAX - 1] + "\u2026"
    return f"'{shown}'"
