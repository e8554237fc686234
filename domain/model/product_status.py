"""Whether a product, or one of its variants, is sold: the one status both share."""

from __future__ import annotations

from enum import StrEnum


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISCONTINUED = "DISCONTINUED"
