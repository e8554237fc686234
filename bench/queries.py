"""The GraphQL documents the benchmark sends, and the request objects of the identical Elasticsearch requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.demo.catalog_data import BRANDS
from read_index.search import ProductFilter, ProductSort, SearchRequest


@dataclass(frozen=True, slots=True)
class SearchCase:
    """A search with a text query and two filters that matches a fair share of any generated catalog."""

    text: str
    brands: tuple[str, ...]
    category_path: tuple[str, ...]


READ_CASE = SearchCase(text="modern oak", brands=BRANDS[:8], category_path=("Furniture",))

PRODUCT_FIELDS = """
  id sku name description brand categoryPath price { amount currency } attributes { name value }
  status stock { sku onHand reserved available } inStock version createdAt updatedAt
"""

SEARCH = f"""
query Search($query: String, $filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {{
  searchProducts(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ {PRODUCT_FIELDS} }} }}
    facets {{
      categories {{ value count }}
      brands {{ value count }}
      priceRanges {{ min max count }}
      attributes {{ name values {{ value count }} }}
    }}
  }}
}}
"""

LISTING = f"""
query Listing($sort: ProductSort, $first: Int, $after: String) {{
  searchProducts(sort: $sort, first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {PRODUCT_FIELDS} }} }}
  }}
}}
"""

PRODUCT = f"""
query Product($id: ID!, $token: String) {{ product(id: $id, consistencyToken: $token) {{ {PRODUCT_FIELDS} }} }}
"""

CREATE_PRODUCT = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { ok aggregateId version consistencyToken errors { code field message } }
}
"""

PLACE_ORDER = """
mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { ok aggregateId version consistencyToken errors { code field message } }
}
"""

CHANGE_PRICE = """
mutation Price($input: ChangeProductPriceInput!) {
  changeProductPrice(input: $input) { ok aggregateId version consistencyToken errors { code field message } }
}
"""


def search_variables(case: SearchCase = READ_CASE) -> dict[str, Any]:
    return {
        "query": case.text,
        "filter": {"brands": list(case.brands), "categoryPath": list(case.category_path)},
        "first": 20,
    }


def search_request(case: SearchCase = READ_CASE) -> SearchRequest:
    """What the service's CatalogReader builds from `search_variables(case)`."""
    return SearchRequest(
        query=case.text,
        filter=ProductFilter(category_path=list(case.category_path), brands=list(case.brands)),
        sort=ProductSort.RELEVANCE,
        first=20,
    )
