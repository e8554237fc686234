"""A realistic catalog, generated deterministically from a seed: the same N products on every run.

Names combine an adjective, a material and a noun of the product's department ("Rustic Oak Coffee Table");
brands with skewed popularity, a three-level category tree, colour/size/material attributes, prices with a
long-tailed spread (log-normal, rounded to ``.99``/``.49``/``.00`` endings), descriptions of a few sentences,
and the stock on hand; about a third of the products are sold in variants (sizes by colours and the like), every
product has a slug and one to three images (``assortment``). Product ``i`` depends only on the seed and ``i``, so
a run can generate any slice of the catalog without the rest. The demo seed and the benchmarks (``bench/``) both
use it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from decimal import Decimal

from api.demo import assortment
from domain.model.commands import CreateProduct

SEED = 20_240_601

ADJECTIVES = (
    "Rustic",
    "Modern",
    "Classic",
    "Compact",
    "Deluxe",
    "Vintage",
    "Sleek",
    "Sturdy",
    "Elegant",
    "Minimalist",
    "Ergonomic",
    "Portable",
    "Premium",
    "Handcrafted",
    "Lightweight",
    "Heavy-Duty",
    "Cozy",
    "Industrial",
    "Scandinavian",
    "Weatherproof",
    "Foldable",
    "Adjustable",
    "Organic",
    "Smart",
    "Wireless",
    "Insulated",
)
MATERIALS = (
    "Oak",
    "Walnut",
    "Bamboo",
    "Steel",
    "Aluminium",
    "Leather",
    "Wool",
    "Cotton",
    "Linen",
    "Ceramic",
    "Glass",
    "Marble",
    "Copper",
    "Cast Iron",
    "Rattan",
    "Velvet",
    "Silicone",
    "Carbon",
    "Teak",
    "Granite",
)
# department -> sub-category -> leaf categories -> product nouns
TREE: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "Furniture": {
        "Living Room": {"Sofas": ("Sofa", "Loveseat", "Sectional"), "Coffee Tables": ("Coffee Table", "Side Table")},
        "Bedroom": {"Beds": ("Bed Frame", "Headboard"), "Dressers": ("Dresser", "Nightstand", "Wardrobe")},
        "Office": {"Desks": ("Desk", "Standing Desk"), "Chairs": ("Office Chair", "Stool")},
    },
    "Kitchen": {
        "Cookware": {"Pans": ("Frying Pan", "Skillet", "Wok"), "Pots": ("Stock Pot", "Dutch Oven", "Saucepan")},
        "Tableware": {"Plates": ("Dinner Plate", "Platter"), "Glassware": ("Tumbler", "Wine Glass", "Carafe")},
        "Storage": {"Containers": ("Canister", "Jar", "Bread Box"), "Racks": ("Spice Rack", "Dish Rack")},
    },
    "Outdoor": {
        "Garden": {"Planters": ("Planter", "Window Box"), "Tools": ("Trowel", "Pruner", "Rake")},
        "Camping": {"Tents": ("Tent", "Tarp"), "Cooking": ("Camp Stove", "Kettle", "Cooler")},
        "Patio": {"Seating": ("Lounge Chair", "Bench", "Hammock"), "Lighting": ("Lantern", "String Light")},
    },
    "Apparel": {
        "Outerwear": {"Jackets": ("Jacket", "Parka", "Raincoat"), "Vests": ("Vest", "Gilet")},
        "Accessories": {"Bags": ("Backpack", "Tote Bag", "Duffel"), "Hats": ("Beanie", "Cap", "Sun Hat")},
        "Footwear": {"Boots": ("Hiking Boot", "Chelsea Boot"), "Sneakers": ("Sneaker", "Trail Runner")},
    },
    "Electronics": {
        "Audio": {"Headphones": ("Headphones", "Earbuds"), "Speakers": ("Speaker", "Soundbar")},
        "Home Office": {"Lamps": ("Desk Lamp", "Floor Lamp"), "Accessories": ("Monitor Stand", "Keyboard")},
        "Charging": {"Power": ("Power Bank", "Charger"), "Cables": ("Cable", "Dock")},
    },
}
BRANDS = (
    "Northwind",
    "Acme",
    "Fjord & Field",
    "Hearthstone",
    "Urban Loft",
    "Trailhead",
    "Copperleaf",
    "Bluebird",
    "Summit Gear",
    "Maison Verte",
    "Ironwood",
    "Lumen",
    "Kinfolk",
    "Pinecrest",
    "Solace",
    "Tidewater",
    "Granite Peak",
    "Willow & Co",
    "Brightside",
    "Oakhaven",
    "Nordlys",
    "Cobalt",
    "Meridian",
    "Harbor House",
)
COLORS = ("Black", "White", "Grey", "Navy", "Olive", "Sand", "Terracotta", "Forest Green", "Burgundy", "Natural")
SIZES = ("XS", "S", "M", "L", "XL", "One Size")
SENTENCES = (
    "Built from {material} for everyday use.",
    "Designed in {brand}'s studio with attention to detail.",
    "A {adjective} take on the classic {noun}.",
    "Easy to clean and made to last for years.",
    "Pairs well with the rest of the {leaf} collection.",
    "Ships flat-packed with all the hardware you need.",
    "Backed by a two-year warranty.",
    "Tested for durability in real homes.",
    "Finished by hand, so every piece is slightly unique.",
    "Responsibly sourced {material} and low-impact packaging.",
)
CURRENCY = "EUR"

_LEAVES: list[tuple[str, str, str, tuple[str, ...]]] = [
    (department, sub, leaf, nouns)
    for department, subs in TREE.items()
    for sub, leaves in subs.items()
    for leaf, nouns in leaves.items()
]


def sku(index: int, prefix: str = "SKU") -> str:
    return f"{prefix}-{index:08d}"


def _price(rng: random.Random) -> Decimal:
    value = math.exp(rng.gauss(3.7, 0.9))  # median ~40, long tail into the hundreds
    whole = max(1, round(value))
    cents = rng.choice((99, 99, 99, 49, 0, 95))
    return Decimal(f"{whole - 1 if cents else whole}.{cents:02d}")


def product(index: int, *, seed: int = SEED, sku_prefix: str = "SKU") -> CreateProduct:
    """The create command of product `index`: a pure function of (seed, index)."""
    rng = random.Random(seed * 1_000_003 + index)
    department, sub, leaf, nouns = _LEAVES[rng.randrange(len(_LEAVES))]
    adjective, material, noun = rng.choice(ADJECTIVES), rng.choice(MATERIALS), rng.choice(nouns)
    brand = BRANDS[min(int(rng.expovariate(0.18)), len(BRANDS) - 1)]  # a few brands dominate, as in real shops
    attributes = [("color", rng.choice(COLORS)), ("material", material)]
    if department == "Apparel":
        attributes.append(("size", rng.choice(SIZES)))
    words = {"material": material.lower(), "brand": brand, "adjective": adjective.lower(), "noun": noun.lower()}
    sentences = rng.sample(SENTENCES, rng.randint(2, 4))
    description = " ".join(sentence.format(leaf=leaf.lower(), **words) for sentence in sentences)
    code, name, price = sku(index, sku_prefix), f"{adjective} {material} {noun}", _price(rng)
    variants = assortment.variants(index, seed, code, department, price)
    if variants is not None:  # what its variants' options say (colour, size) is no attribute of the product
        options = {option for variant in variants for option, _ in variant.options}
        attributes = [(attribute, value) for attribute, value in attributes if attribute not in options]
    slug = assortment.slug(index, name, code, sku_prefix)
    return CreateProduct(
        sku=code,
        name=name,
        description=description,
        brand=brand,
        category_path=(department, sub, leaf),
        price_amount=price,
        price_currency=CURRENCY,
        attributes=tuple(attributes),
        slug=slug,
        variants=variants,
        images=assortment.images(index, seed, slug, name),
    )


def products(start: int, stop: int, *, seed: int = SEED, sku_prefix: str = "SKU") -> Iterator[CreateProduct]:
    for index in range(start, stop):
        yield product(index, seed=seed, sku_prefix=sku_prefix)
