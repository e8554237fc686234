"""How long Elasticsearch takes to answer, by kind of request (search, get, bulk, mget, refresh, ...), as the
histogram `catalog_elasticsearch_request_seconds{operation}`.

Every request is timed once, where it is sent: elasticsearch-py's requests (the plain path's reads, the sync
worker's bulks, a rebuild's, start-up's) by the client's transport (`measured_transport`, a subclass of
elastic_transport's `AsyncTransport` given to the client as its public `transport_class`), and the fast path's
reads by its lean connections, which report each answered request to the same `observe`. A lean request that is
not answered is sent again through the client and timed there.
"""

from __future__ import annotations

import time
from typing import Any

from elastic_transport import AsyncTransport, TransportApiResponse
from prometheus_client import CollectorRegistry, Histogram

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_ENDPOINTS = {
    "_search": "search",
    "_msearch": "search",
    "_count": "count",
    "_bulk": "bulk",
    "_mget": "mget",
    "_update": "update",
    "_refresh": "refresh",
    "_pit": "pit",
    "_cluster": "cluster",
    "_alias": "alias",
    "_aliases": "alias",
    "_settings": "settings",
    "_mapping": "settings",
    "_resolve": "resolve",
}
_DOCUMENT = {"GET": "get", "HEAD": "get", "PUT": "index", "POST": "index", "DELETE": "delete"}
_INDEX = {"PUT": "create_index", "DELETE": "delete_index", "GET": "index_info", "HEAD": "index_info"}


def request_kind(method: str, target: str) -> str:
    """The operation a request performs, from its method and path: a small, fixed set of label values."""
    path = target.partition("?")[0]
    endpoint = next((segment for segment in path.split("/") if segment.startswith("_")), None)
    if endpoint is None:
        return _INDEX.get(method, "other")
    if endpoint in ("_doc", "_create"):
        return _DOCUMENT.get(method, "other")
    return _ENDPOINTS.get(endpoint, "other")


class ElasticsearchMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.seconds = Histogram(
            "catalog_elasticsearch_request_seconds",
            "Time for Elasticsearch to answer a request, by operation (search, get, bulk, mget, refresh, ...)",
            ["operation"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self._children: dict[str, Any] = {}

    def observe(self, method: str, target: str, seconds: float) -> None:
        kind = request_kind(method, target)
        child = self._children.get(kind)
        if child is None:
            child = self._children[kind] = self.seconds.labels(kind)
        child.observe(seconds)


def measured_transport(metrics: ElasticsearchMetrics) -> type[AsyncTransport]:
    """elastic_transport's transport, timing each request (its retries included) into `metrics`."""

    class MeasuredTransport(AsyncTransport):
        # The same `override` AsyncTransport's own declaration ignores: an async method over the sync Transport's.
        async def perform_request(  # type: ignore[override]
            self, method: str, target: str, **options: Any
        ) -> TransportApiResponse:
            started = time.perf_counter()
            try:
                return await super().perform_request(method, target, **options)
            finally:
                metrics.observe(method, target, time.perf_counter() - started)

    return MeasuredTransport
