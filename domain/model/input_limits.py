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
"""The most a product may have on hand, all its stock together (summed over its variants). Every stock figure (on
hand, reserved, available, a variant's or the product's) then fits a 32-bit integer: GraphQL's Int and the index
mapping's `integer`."""
ORDER_LINES_MAX = 100
ORDER_LINE_QUANTITY_MAX = 10_000
REASON_MAX = 500
ID_MAX = 100
IDEMPOTENCY_KEY_MAX = 200
WEBHOOK_URL_MAX = 2000
WEBHOOK_SECRET_MIN = 16
WEBHOOK_SECRET_MAX = 200
VARIANTS_MAX = 100
OPTIONS_MAX = 10
OPTION_NAME_MAX = 64
OPTION_VALUE_MAX = 200
IMAGES_MAX = 20
IMAGE_URL_MAX = 2_000
IMAGE_ALT_MAX = 200
IMAGE_SIDE_MAX = 20_000
SLUG_MAX = 100
SLUG_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
