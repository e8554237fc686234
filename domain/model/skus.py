"""The one check every sku input goes through: a product's, a stock change's, an order line's."""

from __future__ import annotations

import re

from domain.model.input_limits import SKU_MAX, SKU_PATTERN
from domain.model.validation import Checks

_SKU = re.compile(SKU_PATTERN)


def check_sku(checks: Checks, field: str, sku: str) -> str:
    """The sku without surrounding spaces (empty when refused; `checks` holds why)."""
    return checks.text(field, sku, max_length=SKU_MAX, pattern=_SKU) or ""
