"""Index names, mappings and settings, and the alias that lets a rebuild swap a whole read model atomically.

Every name starts with a prefix (setting ``CATALOG_INDEX_PREFIX``, default ``catalog``), so several deployments
or test runs share one cluster. Each read model is served through the alias ``<prefix>-<model>``, which points
at exactly one concrete index ``<prefix>-<model>-v<MAPPING_VERSION>-<suffix>``: ``initial`` for the index
`ensure_indices` creates, a UTC timestamp plus a random tag for the indices a rebuild creates.

Shards and replicas come from the deployment (`IndexLayout`: settings ``CATALOG_INDEX_SHARDS``, default 1, and
``CATALOG_INDEX_REPLICAS``, default 0, for one node; a cluster of three sets 1 replica, so that losing a node
loses no shard). Replicas are applied to existing indices too; shards only to new ones (`catalog reindex`).

The mappings are in `read_index.mappings`. A new mapping version only adds fields (version 2: variants, slugs,
images, issue 16), so `ensure_indices` adds the fields an index of an older version lacks at start-up: the worker
then writes current documents into it until `catalog reindex` has rebuilt every document, and reads never stop.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError

from read_index.mappings import ORDER_MAPPING, PRODUCT_MAPPING, WEBHOOK_MAPPING

MAPPING_VERSION = 2
PRODUCTS = "products"
ORDERS = "orders"
WEBHOOKS = "webhooks"
READ_MODELS = (PRODUCTS, ORDERS, WEBHOOKS)
INITIAL_SUFFIX = "initial"

_PREFIX = re.compile(r"[a-z0-9][a-z0-9_.+-]{0,100}")
# What follows the alias in a concrete index's name: `index_name` with the suffixes it is given here.
_INDEX_SUFFIX = re.compile(rf"-v[0-9]{{1,9}}-(?:{INITIAL_SUFFIX}|[0-9]{{14}}-[0-9a-f]{{6}})")

MAPPINGS: dict[str, dict[str, Any]] = {PRODUCTS: PRODUCT_MAPPING, ORDERS: ORDER_MAPPING, WEBHOOKS: WEBHOOK_MAPPING}


def alias_name(prefix: str, model: str) -> str:
    """The name every reader and the sync worker use: ``<prefix>-<model>``."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"'{prefix[:120]}' is not a usable index prefix (lowercase letters, digits, '_.+-')")
    if model not in MAPPINGS:
        raise ValueError(f"no read model '{model}'")
    return f"{prefix}-{model}"


def index_name(prefix: str, model: str, suffix: str) -> str:
    return f"{alias_name(prefix, model)}-v{MAPPING_VERSION}-{suffix}"


def is_index_of(alias: str, index: str) -> bool:
    """Whether `index` is named as an index behind `alias` (`index_name`: any mapping version, initial or rebuilt)."""
    return index.startswith(alias) and _INDEX_SUFFIX.fullmatch(index[len(alias) :]) is not None


@dataclass(frozen=True, slots=True)
class IndexLayout:
    """How every index the service creates is spread over a cluster. Not `auto_expand_replicas`: a replica
    count that follows the number of nodes drops to none when a cluster of two loses one, and turns green while
    nothing is redundant; a fixed count leaves the cluster yellow, and says so, until the node is back."""

    shards: int = 1
    replicas: int = 0

    def __post_init__(self) -> None:
        if self.shards < 1 or self.replicas < 0:
            raise ValueError("an index needs at least one shard and no negative number of replicas")


SINGLE_NODE = IndexLayout()


# Products are stored in the order of their category path, then brand (`category_prefixes` at its largest
# value is the full path: a prefix sorts before its extensions). A storefront search filters and counts by
# category and brand on each of the text's matches; with a category's products side by side, those checks and
# the facets' reads walk near, increasing positions instead of jumping across the whole index: at 1 000 000
# products the read benchmark's search took 8.3 ms instead of 10.1, at 1 000 unchanged (docs/performance.md,
# finding 36). A sort is fixed when the index is created: an index made before keeps its order and answers the
# same, until `catalog reindex` builds a sorted one.
INDEX_SORTS: dict[str, dict[str, list[str]]] = {
    PRODUCTS: {"field": ["category_prefixes", "brand"], "mode": ["max", "min"]},
}


def index_settings(model: str, layout: IndexLayout = SINGLE_NODE) -> dict[str, Any]:
    """One shard and no replica suit the single local node; a cluster passes its own layout."""
    settings: dict[str, Any] = {
        "number_of_shards": layout.shards,
        "number_of_replicas": layout.replicas,
        "refresh_interval": "1s",
    }
    if model in INDEX_SORTS:
        settings["sort"] = INDEX_SORTS[model]
    return settings


async def ensure_indices(client: AsyncElasticsearch, prefix: str, layout: IndexLayout = SINGLE_NODE) -> None:
    """Creates each missing alias with its ``initial`` index, and gives existing ones `layout`'s replicas and the
    fields added since their mapping version; idempotent, and safe when processes race.

    Racing processes all try to create the same ``initial`` index (with the alias, atomically); one wins and the
    others find it existing. An alias that already points anywhere (say, at a rebuilt index) is left there.
    """
    for model in READ_MODELS:
        alias = alias_name(prefix, model)
        if await client.indices.exists_alias(name=alias):
            await apply_replicas(client, alias, layout.replicas)
            await add_missing_fields(client, alias, MAPPINGS[model])
            continue
        initial = index_name(prefix, model, INITIAL_SUFFIX)
        try:
            await _create(client, initial, model, layout=layout, alias=alias)
        except BadRequestError as error:
            if error.error != "resource_already_exists_exception":
                raise
            await client.indices.put_alias(index=initial, name=alias)


async def add_missing_fields(client: AsyncElasticsearch, index: str, mapping: dict[str, Any]) -> None:
    """Puts the fields of `mapping` that `index` (a name or an alias) lacks onto it; those it has stay as they are."""
    found = await client.indices.get_mapping(index=index)
    for name, current in found.body.items():
        present = current["mappings"].get("properties", {})
        missing = {field: spec for field, spec in mapping["properties"].items() if field not in present}
        if missing:
            await client.indices.put_mapping(index=name, properties=missing)


async def apply_replicas(client: AsyncElasticsearch, index: str, replicas: int) -> None:
    """Sets the replicas of `index` (a name or an alias) to `replicas` where they differ: a dynamic setting."""
    current = await client.indices.get_settings(index=index, name="index.number_of_replicas")
    differing = [
        name
        for name, found in current.body.items()
        if int(found["settings"]["index"]["number_of_replicas"]) != replicas
    ]
    if differing:
        await client.indices.put_settings(index=",".join(differing), settings={"number_of_replicas": replicas})


def fresh_index_name(prefix: str, model: str) -> str:
    """A name no index has yet: the mapping version, the time and a random part."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return index_name(prefix, model, f"{stamp}-{secrets.token_hex(3)}")


async def create_fresh_index(
    client: AsyncElasticsearch, prefix: str, model: str, layout: IndexLayout = SINGLE_NODE, *, name: str | None = None
) -> str:
    """A new, empty, unaliased index of the current mapping (named `name`, else `fresh_index_name`), for a rebuild
    to fill and then `swap_alias` to.

    Idempotent for its name: a create that timed out may have succeeded, and the client (or the caller) sends it
    again, which Elasticsearch answers with `resource_already_exists_exception`; the name is fresh, so the
    index that exists is the one asked for.
    """
    name = name or fresh_index_name(prefix, model)
    try:
        await _create(client, name, model, layout=layout, alias=None)
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":
            raise
    return name


async def current_index(client: AsyncElasticsearch, prefix: str, model: str) -> str | None:
    """The concrete index the alias points at, or None when the alias does not exist."""
    targets = await _alias_targets(client, alias_name(prefix, model))
    return targets[0] if targets else None


async def outdated_models(client: AsyncElasticsearch, prefix: str) -> list[str]:
    """The read models whose alias points at an index of another mapping version: they need a rebuild."""
    current = f"-v{MAPPING_VERSION}-"
    outdated = []
    for model in READ_MODELS:
        index = await current_index(client, prefix, model)
        if index is not None and not index.startswith(alias_name(prefix, model) + current):
            outdated.append(model)
    return outdated


async def swap_alias(client: AsyncElasticsearch, prefix: str, model: str, new_index: str) -> str | None:
    """Points the alias at `new_index` in one atomic step and returns the index it pointed at before.

    The old index is kept (the caller deletes it once satisfied). Two racing swaps cannot both succeed: the
    loser's ``remove`` names an index the alias no longer covers, which fails the whole update.
    """
    alias = alias_name(prefix, model)
    previous = [index for index in await _alias_targets(client, alias) if index != new_index]
    actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": alias}} for index in previous]
    actions.append({"add": {"index": new_index, "alias": alias}})
    await client.indices.update_aliases(actions=actions)
    return previous[0] if previous else None


async def refresh(client: AsyncElasticsearch, prefix: str) -> None:
    """Makes every acknowledged write searchable now (tests; the index refreshes itself every second)."""
    await client.indices.refresh(index=",".join(alias_name(prefix, model) for model in READ_MODELS))


async def delete_indices(client: AsyncElasticsearch, prefix: str) -> None:
    """Deletes every index of this prefix, by explicit name (a cluster may refuse wildcard deletes)."""
    patterns = ",".join(f"{alias_name(prefix, model)}-v*" for model in READ_MODELS)
    resolved = await client.indices.resolve_index(name=patterns, expand_wildcards="all")
    names = [index["name"] for index in resolved["indices"]]
    if names:
        await client.options(ignore_status=404).indices.delete(index=",".join(names))


async def _create(client: AsyncElasticsearch, name: str, model: str, *, layout: IndexLayout, alias: str | None) -> None:
    await client.indices.create(
        index=name,
        settings=index_settings(model, layout),
        mappings=MAPPINGS[model],
        aliases={alias: {}} if alias else None,
    )


async def _alias_targets(client: AsyncElasticsearch, alias: str) -> list[str]:
    try:
        response = await client.indices.get_alias(name=alias)
    except NotFoundError:
        return []
    return sorted(response.body)
