"""The read side: each call sends one Elasticsearch request and returns plain data.

Documents come back as the index holds them (snake_case keys, money as ``{"amount": "19.99", "currency"}``),
without the fields that exist only for searching, in the current mapping's shape (`documents.current_shape`: a
product indexed before variants shows its one variant). The GraphQL layer wraps them; nothing here computes for
it.

Pages with cursors (`search_products`, `orders`) search through a point in time, the first page included, and
their cursors carry it: a walk sees one view of the index, whatever is written meanwhile
(`read_index/points_in_time.py`). The search names no index (the point in time does); it is filtered on the
point in time's index, which must be one behind the alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, BadRequestError

from read_index import cursors
from read_index.analysis import fold, words
from read_index.categories import CategoryRequest, Node
from read_index.documents import current_shape
from read_index.errors import InvalidCursor
from read_index.facets import Facets
from read_index.indices import ORDERS, PRODUCTS, WEBHOOKS, alias_name, is_index_of
from read_index.points_in_time import PointInTime, PointsInTime, SharedPointsInTime
from read_index.search import (
    CURSOR_SHAPES,
    NOT_ACTIVE,
    PRODUCT_SOURCE,
    SearchRequest,
    check_first,
    prepare,
    sku_clause,
)
from read_index.transport import POINT_IN_TIME_SEARCH, ReadTransport, path_part, target

Document = dict[str, Any]
_SEARCH_FILTER_PATH = "hits.total.value,hits.hits._source,hits.hits.sort,aggregations,pit_id"
_PAGE_FILTER_PATH = "hits.total.value,hits.hits._source,hits.hits.sort,pit_id"
_HITS_FILTER_PATH = "hits.hits._source"
_MAX_ID_BYTES = 512  # Elasticsearch's limit; a longer id cannot name a document
_MAX_PREFIX_LENGTH = 200
_STOCK_FIELDS = ("sku", "on_hand", "reserved", "available")
_STOCK_SOURCE = [*_STOCK_FIELDS, *(f"variants.{field}" for field in _STOCK_FIELDS)]
_MAX_SLUG_LENGTH = 200
_SUGGESTION_SOURCE = ["id", "sku", "name"]
_ORDER_SORT = [{"placed_at": "desc"}, {"id": "asc"}]
_ORDER_CURSOR = (cursors.NUMBER, cursors.TEXT)
# A point in time that is gone: its context expired or was released (404), or its index was deleted (503, no shard).
_GONE = (404, 503)
WEBHOOKS_LISTED_MAX = 1000
_WEBHOOKS_BODY = {
    "query": {"match_all": {}},
    "sort": [{"created_at": "desc"}, {"id": "asc"}],
    "size": WEBHOOKS_LISTED_MAX,
}


@dataclass(frozen=True, slots=True)
class ProductPage:
    edges: list[tuple[str, Document]]
    has_next_page: bool
    end_cursor: str | None
    total_count: int
    facets: Facets


@dataclass(frozen=True, slots=True)
class OrderPage:
    edges: list[tuple[str, Document]]
    has_next_page: bool
    end_cursor: str | None
    total_count: int


class CatalogReader:
    """Reads the indices of `prefix` through `transport` (`transport.ClientTransport`: elasticsearch-py); pages
    with cursors through the shared `points_in_time` of the same prefix."""

    def __init__(self, transport: ReadTransport, prefix: str, points_in_time: PointsInTime) -> None:
        self._reads = transport
        self._points = points_in_time
        self._products = alias_name(prefix, PRODUCTS)
        self._orders = alias_name(prefix, ORDERS)
        products_search = f"/{self._products}/_search"
        self._search_target = target(POINT_IN_TIME_SEARCH, {"filter_path": _SEARCH_FILTER_PATH})
        self._products_hits_target = target(products_search, {"filter_path": _HITS_FILTER_PATH})
        self._products_aggregations_target = target(products_search, {"filter_path": "aggregations"})
        self._orders_page_target = target(POINT_IN_TIME_SEARCH, {"filter_path": _PAGE_FILTER_PATH})
        self._product_get = (f"/{self._products}/_doc/", target("", {"_source_includes": ",".join(PRODUCT_SOURCE)}))
        self._order_get = (f"/{self._orders}/_doc/", "")
        webhooks_search = f"/{alias_name(prefix, WEBHOOKS)}/_search"
        self._webhooks_target = target(webhooks_search, {"filter_path": _HITS_FILTER_PATH})

    async def product(self, id: str) -> Document | None:
        """By id, in real time (no refresh needed); discontinued products included."""
        return _shaped(await self._get(self._product_get, id))

    async def product_by_sku(self, sku: str) -> Document | None:
        """By exact sku, the product's own or one of its variants'; discontinued products included."""
        return _shaped(await self._first(sku_clause(sku), PRODUCT_SOURCE))

    async def product_by_slug(self, slug: str) -> Document | None:
        """By its current slug; discontinued products included."""
        if not slug or len(slug) > _MAX_SLUG_LENGTH:
            return None
        return _shaped(await self._first({"term": {"slug": slug}}, PRODUCT_SOURCE))

    async def stock_level(self, sku: str) -> Document | None:
        """``{sku, on_hand, reserved, available}`` of a variant's sku, or of a product's own: its variants' sums."""
        found = await self._first(sku_clause(sku), _STOCK_SOURCE)
        if found is None:
            return None
        if found["sku"] != sku:  # a variant's
            found = next(variant for variant in found["variants"] if variant["sku"] == sku)
        return {field: found[field] for field in _STOCK_FIELDS}

    async def categories(self, parent: list[str], depth: int) -> list[Node]:
        """The category tree below `parent` (the roots when empty), `depth` levels, with active products' counts."""
        request = CategoryRequest(parent, depth).checked()
        return request.tree(await self._reads.search(self._products_aggregations_target, request.body()))

    async def search_products(self, request: SearchRequest, *, fresh: bool = False) -> ProductPage:
        """One page of matches, with the total and the facets. `fresh`: a first page that must see every write
        made searchable before the call (a read with a consistency token)."""
        prepared = prepare(request)
        pages = _Pages(self._reads, self._points.products, self._products, self._search_target)
        response = await pages.search(prepared.body, prepared.position, fresh=fresh)
        if "aggregations" not in response:
            raise InvalidCursor()  # a forged point in time that reached no shard
        shape = CURSOR_SHAPES[request.sort]
        edges, has_next = _edges(
            response, request.first, request.sort, prepared.scope, pit=pages.pit, sorted_by=len(shape)
        )
        for _, document in edges:
            current_shape(document)
        return ProductPage(
            edges=edges,
            has_next_page=has_next,
            end_cursor=edges[-1][0] if edges else None,
            total_count=response["hits"]["total"]["value"],
            facets=prepared.selection.facets(response["aggregations"]),
        )

    async def suggest_products(self, prefix: str, first: int = 10) -> list[Document]:
        """``{product_id, id, sku, name}`` of active products whose name has words starting with the typed ones
        (the last may be partial); names that begin with the typed text come first, then by name.
        """
        check_first(first)
        typed = prefix[:_MAX_PREFIX_LENGTH]
        typed_words = words(typed)
        if not typed_words:
            return []
        body = _suggestion_body(typed, typed_words, first)
        response = await self._reads.search(self._products_hits_target, body)
        return [{"product_id": hit["_source"]["id"], **hit["_source"]} for hit in _hits(response)]

    async def order(self, id: str) -> Document | None:
        return await self._get(self._order_get, id)

    async def orders(
        self, customer_id: str | None, status: str | None, first: int, after: str | None, *, fresh: bool = False
    ) -> OrderPage:
        """Newest first (by placement time, then id), optionally of one customer and in one status."""
        check_first(first)
        filters: list[dict[str, Any]] = []
        if customer_id is not None:
            filters.append({"term": {"customer_id": customer_id}})
        if status is not None:
            filters.append({"term": {"status": status}})
        scope = cursors.scope_of(customer_id, status)
        body: dict[str, Any] = {
            "query": {"bool": {"filter": filters}},
            "sort": _ORDER_SORT,
            "size": first + 1,
            "track_total_hits": True,
        }
        position = None
        if after is not None:
            position = cursors.decode(after, ORDERS, scope, _ORDER_CURSOR)
            body["search_after"] = position.sort_values
        pages = _Pages(self._reads, self._points.orders, self._orders, self._orders_page_target)
        response = await pages.search(body, position, fresh=fresh)
        edges, has_next = _edges(response, first, ORDERS, scope, pit=pages.pit, sorted_by=len(_ORDER_CURSOR))
        return OrderPage(edges, has_next, edges[-1][0] if edges else None, response["hits"]["total"]["value"])

    async def webhooks(self) -> list[Document]:
        """Every webhook, removed ones included (`active: false`), newest first; at most `WEBHOOKS_LISTED_MAX`."""
        response = await self._reads.search(self._webhooks_target, _WEBHOOKS_BODY)
        return [hit["_source"] for hit in _hits(response)]

    async def _get(self, path_and_query: tuple[str, str], id: str) -> Document | None:
        """By id from `path_and_query`: the ``_doc/`` path of an alias and the query string to append."""
        if not id or len(id.encode()) > _MAX_ID_BYTES:
            return None
        path, query = path_and_query
        response = await self._reads.get(path + path_part(id) + query)
        if response is None:
            return None
        document: Document = response["_source"]
        return document

    async def _first(self, clause: dict[str, Any], source: list[str]) -> Document | None:
        body = {"query": {"bool": {"filter": [clause]}}, "size": 1, "_source": source}
        response = await self._reads.search(self._products_hits_target, body)
        hits = _hits(response)
        return hits[0]["_source"] if hits else None


def _shaped(document: Document | None) -> Document | None:
    return current_shape(document) if document is not None else None


def _suggestion_body(typed: str, typed_words: list[str], first: int) -> dict[str, Any]:
    as_you_type = {"query": " ".join(typed_words), "operator": "and"}
    return {
        "query": {
            "bool": {
                "must": [{"match_bool_prefix": {"search.name_folded": as_you_type}}],
                "should": [{"prefix": {"search.name_sort": {"value": fold(typed), "boost": 10.0}}}],
                "must_not": [NOT_ACTIVE],
            }
        },
        "sort": [{"_score": "desc"}, {"search.name_sort": "asc"}, {"id": "asc"}],
        "size": first,
        "_source": _SUGGESTION_SOURCE,
    }


def _hits(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits of a response trimmed by ``filter_path``, which drops ``hits`` altogether when there are none."""
    hits: list[dict[str, Any]] = response.get("hits", {}).get("hits", [])
    return hits


def _edges(
    response: dict[str, Any], first: int, kind: str, scope: str, *, pit: PointInTime, sorted_by: int
) -> tuple[list[tuple[str, Document]], bool]:
    """One page of (cursor, document) edges; the request asked for one hit more, to know whether more follow.

    A cursor keeps the values of the page's own `sorted_by` sort keys: a search through a point in time adds
    the ``_shard_doc`` tiebreaker to the first page's, which our sorts (each ending with the id) do not need.
    """
    hits = _hits(response)
    edges = [(cursors.encode(kind, scope, hit["sort"][:sorted_by], pit), hit["_source"]) for hit in hits[:first]]
    return edges, len(hits) > first


class _Pages:
    """One page's search through a point in time of `pool`: a first page's shared one, or its cursor's."""

    def __init__(self, reads: ReadTransport, pool: SharedPointsInTime, alias: str, search_target: str) -> None:
        self._reads = reads
        self._pool = pool
        self._alias = alias
        self._target = search_target
        self.pit: PointInTime  # the point in time the page was read in, as its answer names it

    async def search(self, body: dict[str, Any], position: cursors.Position | None, *, fresh: bool) -> Any:
        if position is None:
            return await self._first(body, fresh=fresh)
        if not is_index_of(self._alias, position.pit.index):
            raise InvalidCursor()
        try:
            response = await self._read(body, position.pit)
        except BadRequestError:
            raise InvalidCursor() from None  # not a point in time's id; the first page proved the body
        except ApiError as error:
            if error.meta.status not in _GONE:
                raise
            raise InvalidCursor.expired() from None
        self._pool.used(position.pit)
        return response

    async def _first(self, body: dict[str, Any], *, fresh: bool) -> Any:
        pit = await self._pool.for_first_page(fresh=fresh)
        try:
            return await self._read(body, pit)
        except ApiError as error:
            if error.meta.status not in _GONE:
                raise
            # The shared point in time went (a rebuild deleted its index, Elasticsearch restarted): once more.
            self._pool.discard(pit)
            return await self._read(body, await self._pool.for_first_page(fresh=fresh))

    async def _read(self, body: dict[str, Any], pit: PointInTime) -> Any:
        query = body["query"]["bool"]
        pinned = {
            **body,
            "query": {"bool": {**query, "filter": [*query["filter"], {"term": {"_index": pit.index}}]}},
            "pit": {"id": pit.id, "keep_alive": self._pool.keep_alive},
        }
        response = await self._reads.search(self._target, pinned)
        self.pit = PointInTime(response.get("pit_id", pit.id), pit.index)
        return response
