"""Product read types. They wrap the plain dicts the CatalogReader returns (snake_case keys) and compute nothing.

Every field below a root resolver is plain: the default resolver reads it straight from those dicts,
synchronously (see api.fastpath.plain_trees). `stock` (of a product and of each variant) is shaped by the root
resolvers from the document's figures.
"""

from __future__ import annotations

import strawberry

from api.schema.scalars import DateTimeText, DecimalText
from domain.model.catalog import ProductStatus
from read_index.search import ProductSort


@strawberry.type
class Money:
    amount: DecimalText
    currency: str


@strawberry.type
class Attribute:
    name: str
    value: str


# The domain's product states are the GraphQL enum itself: one list, not two to keep in step.
strawberry.enum(ProductStatus, name="ProductStatus")


@strawberry.type
class StockLevel:
    sku: str
    on_hand: int
    reserved: int
    available: int


@strawberry.type
class ProductVariant:
    id: strawberry.ID
    sku: str
    name: str = strawberry.field(
        description="The product's name with the option values, e.g. 'Linen shirt / M / sand'."
    )
    options: list[Attribute]
    price: Money
    stock: StockLevel
    in_stock: bool
    status: ProductStatus


@strawberry.type
class ProductOption:
    name: str
    values: list[str]


@strawberry.type
class PriceRange:
    min: Money
    max: Money


@strawberry.type
class Image:
    url: str
    alt: str | None
    width: int | None
    height: int | None


@strawberry.type
class Product:
    id: strawberry.ID
    sku: str
    name: str
    description: str | None
    brand: str | None
    category_path: list[str]
    price: Money
    attributes: list[Attribute]
    status: ProductStatus
    stock: StockLevel
    in_stock: bool
    version: int
    created_at: DateTimeText
    updated_at: DateTimeText
    slug: str = strawberry.field(description="URL handle, unique.")
    variants: list[ProductVariant] = strawberry.field(
        description="Every variant, discontinued ones included; a product created without variants has exactly one."
    )
    options: list[ProductOption] = strawberry.field(
        description="Option names with their values over the active variants, e.g. size: S, M, L."
    )
    price_range: PriceRange = strawberry.field(
        description="Lowest and highest price over the active variants. For a product with variants, price is "
        "priceRange.min, stock sums the variants and inStock means any active variant is available."
    )
    images: list[Image]


@strawberry.type(
    description="A node of the category tree, built from the categoryPath of active products, with their counts."
)
class Category:
    name: str
    path: list[str] = strawberry.field(
        description="Root first; pass it as ProductFilter.categoryPath to list this category."
    )
    product_count: int
    children: list[Category]


# The read side's sort order is the GraphQL enum itself: one list of sorts, not two to keep in step.
strawberry.enum(ProductSort, name="ProductSort")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class FacetValue:
    value: str
    count: int


@strawberry.type
class PriceRangeFacet:
    min: DecimalText | None
    max: DecimalText | None
    count: int


@strawberry.type
class AttributeFacet:
    name: str
    values: list[FacetValue]


@strawberry.type(
    description="Counts for the current query; each facet ignores its own filter and applies all the others."
)
class ProductFacets:
    categories: list[FacetValue]
    brands: list[FacetValue]
    price_ranges: list[PriceRangeFacet]
    attributes: list[AttributeFacet]
    options: list[AttributeFacet] = strawberry.field(
        description="Variant options; counts are of products, not variants."
    )


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int
    facets: ProductFacets


@strawberry.type
class ProductSuggestion:
    product_id: strawberry.ID
    sku: str
    name: str
