"""What `api.bootstrap.services` does with Elasticsearch before it serves: that it answers, that the indices are
there and can serve, and whether a read model waits for `catalog reindex`. Failures a user can fix are
`StartupError`s of one line."""

from __future__ import annotations

import logging

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch
from prometheus_client import CollectorRegistry, Gauge

from api.elasticsearch_nodes import node_urls, redacted
from api.readiness import one_line
from api.startup_errors import startup_failure
from api.store_errors import ELASTICSEARCH
from read_index import indices
from sync.state_index import ensure_state_index, state_index

log = logging.getLogger(__name__)

ES_STARTUP_TIMEOUT_SECONDS = 5.0


async def check_elasticsearch(client: AsyncElasticsearch, url: str) -> None:
    """Cluster health rather than `GET /`, which the managed node's distribution does not serve."""
    others = len(node_urls(url)) - 1  # a node that is down is no reason not to start: ask the next
    try:
        await client.options(request_timeout=ES_STARTUP_TIMEOUT_SECONDS, max_retries=others).cluster.health()
    except (TransportError, ApiError, OSError) as error:
        message = f"Elasticsearch is not reachable at {redacted(url)}: {one_line(error)}"
        raise startup_failure(message, error, ELASTICSEARCH) from None


async def create_indices(client: AsyncElasticsearch, prefix: str, layout: indices.IndexLayout, url: str) -> None:
    """The read models' indices and the sync state's, and waits until their shards can serve (a search on a
    brand-new index fails until then)."""
    try:
        await indices.ensure_indices(client, prefix, layout)
        await ensure_state_index(client, prefix, layout)
        names = [indices.alias_name(prefix, model) for model in indices.READ_MODELS] + [state_index(prefix)]
        await client.cluster.health(index=",".join(names), wait_for_status="yellow", timeout="30s")
    except (TransportError, ApiError) as error:
        message = f"cannot create the indices at {redacted(url)}: {one_line(error)}"
        raise startup_failure(message, error, ELASTICSEARCH) from None


async def report_reindex_due(client: AsyncElasticsearch, prefix: str, registry: CollectorRegistry) -> None:
    """Read models whose alias points at an index of an older mapping version keep serving, but what the new
    mapping adds is missing until `catalog reindex`: say so once in the log, and as a gauge for alerts."""
    gauge = Gauge(
        "catalog_reindex_due",
        "1 while the read model's index was built with an older mapping version (run catalog reindex)",
        ["model"],
        registry=registry,
    )
    try:
        outdated = await indices.outdated_models(client, prefix)
    except (TransportError, ApiError) as error:
        log.warning("event=reindex_check_failed error=%r", one_line(error))
        return
    for model in indices.READ_MODELS:
        gauge.labels(model).set(1 if model in outdated else 0)
    if outdated:
        log.warning(
            "event=reindex_due models=%s mapping_version=%d action=%s",
            ",".join(outdated),
            indices.MAPPING_VERSION,
            "run `catalog reindex` (reads keep working meanwhile)",
        )
