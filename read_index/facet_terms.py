"""What the facets share: how many values a facet lists, the price buckets, and the values a facet shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from read_index.documents import price_value

FACET_SIZE = 100
ATTRIBUTE_NAMES_SIZE = 50
PRICE_BREAKS = (Decimal(25), Decimal(50), Decimal(100), Decimal(250), Decimal(500))


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class AttributeFacet:
    name: str
    values: list[FacetValue]


def price_bounds() -> list[tuple[Decimal | None, Decimal | None]]:
    """The buckets of the price facet, half-open ``[min, max)``, the first and last without their outer bound."""
    bounds: list[Decimal | None] = [None, *PRICE_BREAKS, None]
    return list(pairwise(bounds))


def price_ranges() -> list[dict[str, float]]:
    """The buckets as a ``range`` aggregation's ranges."""
    return [
        {key: price_value(bound) for key, bound in (("from", low), ("to", high)) if bound is not None}
        for low, high in price_bounds()
    ]


def regex_literal(text: str) -> str:
    """`text` matched literally by Lucene's regular expressions: a backslash makes any character plain."""
    return "".join(char if char.isalnum() else "\\" + char for char in text)


def most_frequent(counts: dict[str, int], size: int = FACET_SIZE) -> list[FacetValue]:
    """The values with a count, most frequent first (then by value), at most `size`."""
    ranked = sorted((-count, value) for value, count in counts.items() if count > 0)
    return [FacetValue(value, -negative) for negative, value in ranked[:size]]
