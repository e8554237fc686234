"""Input limits, documented in docs/commands.md. Generous for real catalogs, small enough to bound every request."""

SKU_MAX = 64
SKU_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._/-]*"
NAME_MAX = 200
DESCRIPTION_MAX = 10_000
BRAND_MAX = 100
CATEGORY_DEPTH_MAX = 8
CATEGORY_NAME_MAX = 100
ATTRIBUTES_MAX = 50
ATTRIBUTE_NAME_MAX = 64
ATTRIBUTE_VALUE_MAX = 200
PRICE_MAX = 1_000_000_000
QUANTITY_MAX = 1_000_000
ON_HAND_MAX = 1_000_000_000
"""The most a product may have on hand, all its stock together. Every stock figure (on hand, reserved, available,
and any sum of them) then fits a 32-bit integer: GraphQL's Int and the index mapping's `integer`."""
ORDER_LINES_MAX = 100
ORDER_LINE_QUANTITY_MAX = 10_000
REASON_MAX = 500
ID_MAX = 100
IDEMPOTENCY_KEY_MAX = 200
