"""What a demo product is sold as: its variants (sizes by colours and the like, for about a third of the
products), its images, its slug, and the stock of each purchasable sku. Deterministic, like the rest of the demo
catalog: each draws from its own random stream of (seed, index), so the product's other data does not move.

Images are URLs on the service itself (`/demo/images/<slug>-<n>.svg`, drawn by `api.pages.demo_images`), so the
demo needs no network.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from domain.model.commands import CreateProduct, ImageRequest, PriceRequest, VariantRequest
from domain.model.slugs import made_slug

COLOURS = ("Black", "White", "Grey", "Navy", "Olive", "Sand", "Terracotta", "Forest Green", "Burgundy", "Natural")
# department -> (first option, its values in their natural order, second option, its values)
OPTIONS: dict[str, tuple[str, tuple[str, ...], str, tuple[str, ...]]] = {
    "Apparel": ("size", ("XS", "S", "M", "L", "XL", "XXL"), "color", COLOURS),
    "Furniture": ("width", ("120 cm", "140 cm", "160 cm", "180 cm", "200 cm"), "finish",
                  ("Natural", "Black", "White", "Walnut", "Grey")),
    "Kitchen": ("size", ("Small", "Medium", "Large", "Extra Large"), "color", COLOURS),
    "Outdoor": ("size", ("S", "M", "L", "XL"), "color", COLOURS),
    "Electronics": ("color", ("Black", "White", "Silver", "Navy", "Sand"), "edition", ("Standard", "Plus", "Pro")),
}  # fmt: skip
VARIANT_SHARE = {"Apparel": 0.8}
"""How many products of a department have variants; 0.2 elsewhere, a third overall."""
OTHER_VARIANT_SHARE = 0.2
VARIANTS_MAX = 12
IMAGE_SIDE = 800
OUT_OF_STOCK_SHARE = 0.12


def variants(index: int, seed: int, sku: str, department: str, price: Decimal) -> tuple[VariantRequest, ...] | None:
    """The variants of product `index` (None: it is sold as one, under its own sku): 3 to 12 of them, the first
    option's values consecutive (S, M, L), priced up a step per value for some products."""
    rng = random.Random(f"variants:{seed}:{index}")
    if rng.random() >= VARIANT_SHARE.get(department, OTHER_VARIANT_SHARE):
        return None
    first_name, first_values, second_name, second_values = OPTIONS[department]
    count = rng.randint(3, min(5, len(first_values)))
    start = rng.randrange(len(first_values) - count + 1)
    firsts = first_values[start : start + count]
    seconds = rng.sample(second_values, rng.randint(1, min(3, len(second_values), VARIANTS_MAX // count)))
    step = round(price * Decimal("0.08")) if department == "Furniture" or rng.random() < 0.4 else 0
    made: list[VariantRequest] = []
    for position, first in enumerate(firsts):
        own = PriceRequest(amount=price + step * position, currency="EUR") if step and position else None
        for second in seconds:
            number = len(made) + 1
            options = ((first_name, first), (second_name, second))
            made.append(VariantRequest(sku=f"{sku}-{number:02d}", options=options, price=own))
    return tuple(made)


def slug(index: int, name: str, sku: str, sku_prefix: str) -> str:
    """The name's slug with the sku's prefix and the product's number ('linen-shirt-demo-42'): unique among the
    products of one seed whatever order they are seeded in, also where several prefixes share a database (the
    benchmarks)."""
    return f"{made_slug(name, sku)}-{made_slug(sku_prefix, 'x')}-{index}"


def images(index: int, seed: int, slug: str, name: str) -> tuple[ImageRequest, ...]:
    rng = random.Random(f"images:{seed}:{index}")
    return tuple(
        ImageRequest(
            url=f"/demo/images/{slug}-{view}.svg", alt=f"{name}, view {view}", width=IMAGE_SIDE, height=IMAGE_SIDE
        )
        for view in range(1, rng.randint(1, 3) + 1)
    )


def purchasable_skus(created: CreateProduct) -> list[str]:
    """What stock commands and order lines name: each variant's sku, or the product's own."""
    return [created.sku] if created.variants is None else [variant.sku for variant in created.variants]


def stock_levels(index: int, created: CreateProduct, *, seed: int) -> list[tuple[str, int]]:
    """Units on hand of each purchasable sku of product `index`: about one in eight sold out, most a few dozen,
    some a few hundred."""
    levels = []
    for number, sku in enumerate(purchasable_skus(created)):
        rng = random.Random(f"stock:{seed}:{index}" if number == 0 else f"stock:{seed}:{index}:{number}")
        units = 0 if rng.random() < OUT_OF_STOCK_SHARE else min(400, max(1, round(math.exp(rng.gauss(3.0, 0.8)))))
        levels.append((sku, units))
    return levels
