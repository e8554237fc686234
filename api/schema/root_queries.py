"""What each root query field answers: read from the CatalogReader only (the search index, never SQL), after any
consistency wait.

Refusals propagate as exceptions (AccessDenied, the reader's ReadError, QueryRefused); the edge turns each
into a GraphQL error with its `extensions.code` (see `api.schema.errors.describe`).

Each is a function of the request's context and the field's arguments (python names), returning plain dicts
that the types read directly. The strawberry resolvers (`api.schema.queries`) and the root-field path
(`api.fastpath.root_plans`, which runs cached query documents without graphql-core's generic execution) both
call them through `ROOT_QUERIES`, so the two behave alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, cast

from api.consistency import NotYetConsistent, WriteNotIndexed
from api.outages import RETRY_AFTER_MAX_SECONDS
from api.permissions import may_read_order, readable_orders, require
from api.schema.context import RequestContext
from api.schema.errors import QueryRefused
from api.schema.inputs import ProductFilter
from api.schema.orders import Order, OrderConnection
from api.schema.products import Category, Product, ProductConnection, ProductSuggestion, StockLevel
from api.schema.scalars import DecimalText
from api.schema.webhooks import Webhook
from api.scopes import Scope
from domain.model.decimals import NOT_A_DECIMAL, decimal_number
from domain.model.errors import ErrorCode
from domain.model.orders import OrderStatus
from domain.outbox import InvalidToken
from read_index import search
from read_index.queries import OrderPage, ProductPage
from read_index.search import ProductSort

STOCK_FIELDS = ("sku", "on_hand", "reserved", "available")


async def _consistent(context: RequestContext, token: str | None, *, search: bool) -> None:
    try:
        await context.backends.consistency.wait(token, search=search)
    except InvalidToken as error:
        raise QueryRefused(ErrorCode.VALIDATION, str(error), "consistencyToken") from None
    except NotYetConsistent as error:
        raise QueryRefused(ErrorCode.CONFLICT, str(error), "consistencyToken") from None
    except WriteNotIndexed as error:  # an operator must act first: the longest hint
        refusal = QueryRefused(
            ErrorCode.UNAVAILABLE, str(error), "consistencyToken", retry_after=RETRY_AFTER_MAX_SECONDS
        )
        raise refusal from None


def _amount(text: DecimalText | None, field: str) -> Decimal | None:
    """The bound, read as every amount is (`domain.model.decimals`); what is no number in range is refused here."""
    if text is None:
        return None
    value = decimal_number(text)
    if value is None:
        raise QueryRefused(ErrorCode.VALIDATION, NOT_A_DECIMAL, field)
    return value


def _search_request(
    query: str | None, product_filter: ProductFilter | None, sort: ProductSort, first: int, after: str | None
) -> search.SearchRequest:
    chosen = product_filter or ProductFilter()
    return search.SearchRequest(
        query=query,
        filter=search.ProductFilter(
            category_path=chosen.category_path,
            brands=chosen.brands,
            price_min=_amount(chosen.price_min, "filter.priceMin"),
            price_max=_amount(chosen.price_max, "filter.priceMax"),
            in_stock=chosen.in_stock,
            attributes=[search.AttributeFilter(f.name, f.values) for f in chosen.attributes or ()],
            include_discontinued=bool(chosen.include_discontinued),
            options=[search.AttributeFilter(f.name, f.values) for f in chosen.options or ()],
        ),
        sort=sort,
        first=first,
        after=after,
    )


def _product(document: dict[str, Any] | None) -> Product | None:
    """A product document with its stock figures, and each variant's, grouped as the contract's StockLevel."""
    if document is not None:
        for stocked in (document, *document["variants"]):
            stocked["stock"] = {key: stocked[key] for key in STOCK_FIELDS}
    return cast(Product | None, document)


def _product_connection(page: ProductPage) -> ProductConnection:
    shaped = {
        "edges": [{"cursor": cursor, "node": _product(node)} for cursor, node in page.edges],
        "page_info": {"has_next_page": page.has_next_page, "end_cursor": page.end_cursor},
        "total_count": page.total_count,
        "facets": page.facets,
    }
    return cast(ProductConnection, shaped)


def _order_connection(page: OrderPage) -> OrderConnection:
    shaped = {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in page.edges],
        "page_info": {"has_next_page": page.has_next_page, "end_cursor": page.end_cursor},
        "total_count": page.total_count,
    }
    return cast(OrderConnection, shaped)


async def order(context: RequestContext, id: str, consistency_token: str | None = None) -> Order | None:
    caller = context.caller()
    readable_orders(caller, None)
    await _consistent(context, consistency_token, search=False)
    found = await context.backends.reader.order(id)
    if found is None or not may_read_order(caller, found["customer_id"]):
        return None
    return cast(Order, found)


async def orders(  # noqa: PLR0917 - one parameter per GraphQL argument
    context: RequestContext,
    customer_id: str | None = None,
    status: OrderStatus | None = None,
    first: int | None = 20,
    after: str | None = None,
    consistency_token: str | None = None,
) -> OrderConnection:
    customer = readable_orders(context.caller(), customer_id)
    await _consistent(context, consistency_token, search=True)
    page = await context.backends.reader.orders(
        customer, status.value if status else None, 20 if first is None else first, after, fresh=bool(consistency_token)
    )
    return _order_connection(page)


async def categories(
    context: RequestContext,
    parent: list[str] | None = None,
    depth: int | None = 2,
    consistency_token: str | None = None,
) -> list[Category]:
    await _consistent(context, consistency_token, search=True)
    tree = await context.backends.reader.categories(parent or [], 2 if depth is None else depth)
    return cast(list[Category], tree)


async def webhooks(context: RequestContext, consistency_token: str | None = None) -> list[Webhook]:
    require(context.caller(), Scope.WEBHOOKS_MANAGE)
    await _consistent(context, consistency_token, search=True)
    return cast(list[Webhook], await context.backends.reader.webhooks())


async def product(context: RequestContext, id: str, consistency_token: str | None = None) -> Product | None:
    await _consistent(context, consistency_token, search=False)
    return _product(await context.backends.reader.product(id))


async def product_by_sku(context: RequestContext, sku: str, consistency_token: str | None = None) -> Product | None:
    await _consistent(context, consistency_token, search=True)
    return _product(await context.backends.reader.product_by_sku(sku))


async def product_by_slug(context: RequestContext, slug: str, consistency_token: str | None = None) -> Product | None:
    await _consistent(context, consistency_token, search=True)
    return _product(await context.backends.reader.product_by_slug(slug))


async def search_products(  # noqa: PLR0917 - one parameter per GraphQL argument
    context: RequestContext,
    query: str | None = None,
    filter: ProductFilter | None = None,
    sort: ProductSort | None = ProductSort.RELEVANCE,
    first: int | None = 20,
    after: str | None = None,
    consistency_token: str | None = None,
) -> ProductConnection:
    await _consistent(context, consistency_token, search=True)
    request = _search_request(query, filter, sort or ProductSort.RELEVANCE, 20 if first is None else first, after)
    page = await context.backends.reader.search_products(request, fresh=bool(consistency_token))
    return _product_connection(page)


async def suggest_products(context: RequestContext, prefix: str, first: int | None = 10) -> list[ProductSuggestion]:
    suggestions = await context.backends.reader.suggest_products(prefix, 10 if first is None else first)
    return [cast(ProductSuggestion, {**s, "product_id": s["id"]}) for s in suggestions]


async def stock_level(context: RequestContext, sku: str, consistency_token: str | None = None) -> StockLevel | None:
    await _consistent(context, consistency_token, search=True)
    return cast(StockLevel | None, await context.backends.reader.stock_level(sku))


ROOT_QUERIES: dict[str, Callable[..., Awaitable[Any]]] = {
    "product": product,
    "productBySku": product_by_sku,
    "productBySlug": product_by_slug,
    "searchProducts": search_products,
    "suggestProducts": suggest_products,
    "stockLevel": stock_level,
    "order": order,
    "orders": orders,
    "categories": categories,
    "webhooks": webhooks,
}
"""Query field -> what it answers, called with the request's context and the field's arguments by python name."""
