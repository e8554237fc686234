"""The Query type: each resolver answers with its `api.schema.root_queries` function, given the request's context
(the root-field path of `api.fastpath` calls the same functions without a resolver)."""

from __future__ import annotations

import strawberry

from api.schema import root_queries
from api.schema.context import RequestContext
from api.schema.inputs import ProductFilter
from api.schema.orders import Order, OrderConnection
from api.schema.products import Category, Product, ProductConnection, ProductSuggestion, StockLevel
from api.schema.webhooks import Webhook
from domain.model.orders import OrderStatus
from read_index.search import ProductSort

Info = strawberry.Info[RequestContext, None]


async def _order(info: Info, id: strawberry.ID, consistency_token: str | None = None) -> Order | None:
    return await root_queries.order(info.context, id, consistency_token)


async def _orders(  # noqa: PLR0917 - one parameter per GraphQL argument
    info: Info,
    customer_id: strawberry.ID | None = None,
    status: OrderStatus | None = None,
    first: int | None = 20,
    after: str | None = None,
    consistency_token: str | None = None,
) -> OrderConnection:
    return await root_queries.orders(info.context, customer_id, status, first, after, consistency_token)


async def _categories(
    info: Info, parent: list[str] | None = None, depth: int | None = 2, consistency_token: str | None = None
) -> list[Category]:
    return await root_queries.categories(info.context, parent, depth, consistency_token)


async def _webhooks(info: Info, consistency_token: str | None = None) -> list[Webhook]:
    return await root_queries.webhooks(info.context, consistency_token)


@strawberry.type
class Query:
    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID, consistency_token: str | None = None) -> Product | None:
        return await root_queries.product(info.context, id, consistency_token)

    @strawberry.field
    async def product_by_sku(self, info: Info, sku: str, consistency_token: str | None = None) -> Product | None:
        return await root_queries.product_by_sku(info.context, sku, consistency_token)

    @strawberry.field
    async def product_by_slug(self, info: Info, slug: str, consistency_token: str | None = None) -> Product | None:
        return await root_queries.product_by_slug(info.context, slug, consistency_token)

    @strawberry.field
    async def search_products(  # noqa: PLR0917 - one parameter per GraphQL argument
        self,
        info: Info,
        query: str | None = None,
        filter: ProductFilter | None = None,
        sort: ProductSort | None = ProductSort.RELEVANCE,
        first: int | None = 20,
        after: str | None = None,
        consistency_token: str | None = None,
    ) -> ProductConnection:
        return await root_queries.search_products(info.context, query, filter, sort, first, after, consistency_token)

    @strawberry.field
    async def suggest_products(self, info: Info, prefix: str, first: int | None = 10) -> list[ProductSuggestion]:
        return await root_queries.suggest_products(info.context, prefix, first)

    @strawberry.field
    async def stock_level(self, info: Info, sku: str, consistency_token: str | None = None) -> StockLevel | None:
        return await root_queries.stock_level(info.context, sku, consistency_token)

    order: Order | None = strawberry.field(
        resolver=_order,
        description="Own order for a customer token (another customer's reads as null); any order for a token with "
        "orders:read.",
    )
    orders: OrderConnection = strawberry.field(
        resolver=_orders,
        description="A customer token sees only its own orders, whichever customerId it gives (it may leave it out).",
    )
    categories: list[Category] = strawberry.field(
        resolver=_categories, description="Children of the given path (the roots when omitted), depth levels deep."
    )
    webhooks: list[Webhook] = strawberry.field(resolver=_webhooks, description="Needs the webhooks:manage scope.")
