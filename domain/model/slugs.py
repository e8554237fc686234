"""Slugs: a product's URL handle, unique across products. Given, or made from the product's name.

A made slug is the name with its accents folded and everything but letters and digits turned into single
hyphens ('Crème Brûlée Dish' -> 'creme-brulee-dish'); it is made unique with a suffix ('-2', '-3', ...): the
handler offers `candidates` in rounds to the repository and keeps the first one no product has.
"""

from __future__ import annotations

import re
import unicodedata

from domain.model.input_limits import SLUG_MAX, SLUG_PATTERN
from domain.model.validation import Checks

CANDIDATES_PER_ROUND = 10
_SUFFIX_ROOM = 8
"""Characters kept free in a made slug for its suffix ('-1234567')."""
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def made_slug(name: str, fallback: str) -> str:
    """The slug made from `name` (or from `fallback`, the sku, when the name has no letter or digit to keep)."""
    for text in (name, fallback):
        folded = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
        ascii_only = folded.encode("ascii", "ignore").decode()
        slug = _NOT_ALPHANUMERIC.sub("-", ascii_only)[: SLUG_MAX - _SUFFIX_ROOM].strip("-")
        if slug:
            return slug
    return "product"


def candidates(base: str, round: int) -> list[str]:
    """The slugs to try in `round` (from 0): the base itself first, then the base with '-2', '-3', ..."""
    first = round * CANDIDATES_PER_ROUND + 1
    return [base if n == 1 else f"{base}-{n}" for n in range(first, first + CANDIDATES_PER_ROUND)]


def check_slug(checks: Checks, field: str, slug: str) -> str:
    clean = checks.text(field, slug, max_length=SLUG_MAX) or ""
    if clean and not re.fullmatch(SLUG_PATTERN, clean):
        checks.fail(field, "must be lowercase letters and digits, in words joined by single hyphens (linen-shirt)")
    return clean
