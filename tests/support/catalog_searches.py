"""Random searches for the brute-force comparisons (`tests/support/catalog_oracle.py`), over small vocabularies
that the random catalogs draw from too, so that values collide: the same option value on several variants, prices
on the price facet's bucket bounds, ties in the price sorts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from read_index.queries import CatalogReader
from read_index.search import AttributeFilter, ProductFilter, ProductSort, SearchRequest
from tests.support.catalog_oracle import CatalogOracle

SIZES = ("S", "M", "L")
COLOURS = ("red", "blue", "green")
OPTION_VALUES = {"size": SIZES, "colour": COLOURS}
OPTION_NAMES = (("size",), ("colour",), ("size", "colour"))
PRICES = ("5.00", "24.99", "25.00", "60.00", "99.90", "100.00", "300.00", "600.00")
BRANDS = ("Acme", "Nordic", "Café Co")
CATEGORIES = ((), ("Home",), ("Home", "Chairs"), ("Home", "Tables"), ("Garden",))
ATTRIBUTES = (("material", "oak"), ("material", "steel"), ("finish", "matte"))
PRICE_SORTS = (ProductSort.PRICE_ASC, ProductSort.PRICE_DESC)


def values_of(choices: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True)


@st.composite
def filters(draw: st.DrawFn) -> ProductFilter:
    """Options (up to both names), a price range, inStock, brands, a category, attributes; no text."""
    names = draw(st.lists(st.sampled_from(sorted(OPTION_VALUES)), max_size=2, unique=True))
    bounds = st.none() | st.sampled_from(PRICES).map(Decimal)
    low, high = draw(bounds), draw(bounds)
    if low is not None and high is not None and low > high:
        low, high = high, low
    attribute_names = draw(st.sampled_from([[], [], ["material"], ["finish"]]))
    return ProductFilter(
        category_path=list(draw(st.sampled_from([(), (), ("Home",), ("Home", "Chairs")]))),
        brands=draw(st.sampled_from([None, None, []]) | values_of(BRANDS)),
        price_min=low,
        price_max=high,
        in_stock=draw(st.none() | st.booleans()),
        attributes=[
            AttributeFilter(name, draw(values_of(tuple(value for key, value in ATTRIBUTES if key == name))))
            for name in attribute_names
        ],
        include_discontinued=draw(st.booleans()),
        options=[AttributeFilter(name, draw(values_of(OPTION_VALUES[name]))) for name in names],
    )


def random_searches(count: int) -> st.SearchStrategy[list[tuple[ProductFilter, ProductSort]]]:
    """`count` filters, each with a price sort or newest first (hits compared in order, or as a set)."""
    return st.lists(
        st.tuples(filters(), st.sampled_from([*PRICE_SORTS, ProductSort.NEWEST])), min_size=count, max_size=count
    )


async def assert_answered_as_the_oracle(
    reader: CatalogReader, oracle: CatalogOracle, searches: list[tuple[ProductFilter, ProductSort]]
) -> None:
    """Hits (in order, for the price sorts), totals and every facet of each search equal the oracle's."""
    for product_filter, sort in searches:
        page = await reader.search_products(SearchRequest(filter=product_filter, sort=sort, first=100))
        expected = oracle.search(product_filter, sort)
        ids = [document["id"] for _, document in page.edges]
        assert (ids if sort in PRICE_SORTS else sorted(ids)) == expected.ids, (product_filter, sort)
        assert page.total_count == expected.total, product_filter
        assert page.facets == expected.facets, product_filter
